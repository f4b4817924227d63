import { redrivePolicyProblem } from "./redrive-policy.js";
import { serviceDeliveryDenial } from "../iam/resource-policy-decision.js";
import { sqsAuthorization } from "../sqs/authorization.js";
import type { Logger } from "../core/logger.js";
import { randomBytes, randomUUID } from "node:crypto";
import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { ServiceError } from "../core/errors.js";
import type { SqsInternal } from "../sqs/sqs-service.js";
import { SnsStore, type Subscription, type Topic } from "./sns-store.js";
import { invalidParameter, notFound, topicNotFound } from "./errors.js";
import type { EnvelopeSigner, SnsAttribute } from "./envelope.js";
import { attributeValues, bodyValues, filterPolicyProblem, matchesPolicy } from "./filter-policy.js";
import { createDelivery, type Published } from "./delivery.js";
import { deliveryPolicyProblem } from "./delivery-policy.js";
import type { HttpDeliverer } from "./http-delivery.js";
import type { SnsOutbox } from "./outbox.js";

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const PAGE = 100;
const TOPIC_ATTRIBUTES = new Set(["DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "ContentBasedDeduplication", "FifoTopic", "ArchivePolicy", "FifoThroughputScope"]);
const SUBSCRIPTION_ATTRIBUTES = new Set(["RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "DeliveryPolicy", "SubscriptionRoleArn", "ReplayPolicy"]);
/**
 * Protocols Berth delivers to, and how an endpoint of each must look; the others (lambda,
 * application, firehose) are refused rather than accepted and never served.
 */
const PROTOCOLS: Record<string, RegExp> = {
  sqs: /^arn:aws:sqs:[^:]+:\d{12}:[A-Za-z0-9_.-]+$/,
  http: /^http:\/\/[^\s]+$/i,
  https: /^https:\/\/[^\s]+$/i,
  email: /^[^@\s]+@[^@\s]+$/,
  "email-json": /^[^@\s]+@[^@\s]+$/,
  sms: /^\+?[1-9][0-9]{1,14}$/,
};
/** Subscriptions that wait for ConfirmSubscription (a queue of any account is confirmed at once). */
const NEEDS_CONFIRMATION = new Set(["http", "https", "email", "email-json"]);
/** A confirmation token is good for three days, as on AWS. */
const TOKEN_LIFETIME_MS = 3 * 24 * 3600_000;

export interface SnsInternal {
  /** Publishes to a topic by ARN, as Publish does (CloudWatch alarm actions, EventBridge targets). */
  publishInternal(scope: Scope, topicArn: string, message: string, subject?: string, attributes?: Record<string, SnsAttribute>): Promise<string>;
}

/** SNS (awsQuery): topics, subscriptions with sqs endpoints, Publish and PublishBatch with filter policies. */
export function createSnsService({ db, clock, sqs, signer, http, outbox, log, iamEnforcement = false }: {
  db: Db; clock: Clock; sqs: SqsInternal; signer: EnvelopeSigner; http: HttpDeliverer; outbox: SnsOutbox; log: Logger; iamEnforcement?: boolean;
}): AwsService & { internal: SnsInternal } {
  const store = new SnsStore(db);
  // With iamEnforcement a queue's policy is asked before SNS delivers into it (resource-policy-decision.ts).
  const queueGate = iamEnforcement
    ? (queueArn: string, topicArn: string) => serviceDeliveryDenial(sqsAuthorization.resourcePolicy!(db, queueArn), { service: "sns.amazonaws.com", action: "sqs:SendMessage", resource: queueArn, sourceArn: topicArn, clock })
    : undefined;
  const delivery = createDelivery({ sqs, signer, http, outbox, clock, log, ...(queueGate ? { queueGate } : {}) });
  const topicArn = (ctx: Scope, name: string) => `arn:aws:sns:${ctx.region}:${ctx.account}:${name}`;
  /**
   * The topic a TopicArn names, in the ARN's account as on AWS: another account's topic is reached
   * by its ARN, and with iamEnforcement its policy decided before the call got here (without it
   * nothing is checked, as another account's queue is reached by its URL). A topic ARN of another
   * region is not this endpoint's: SNS answers InvalidParameter, as it does.
   */
  const inRegion = (arn: string | undefined, ctx: Scope, member: string) => {
    if (arn?.startsWith("arn:") && arn.split(":")[3] !== ctx.region) throw invalidParameter(member);
  };
  const topicOf = (arn: string | undefined, ctx: Scope, member = "TopicArn"): Topic => {
    inRegion(arn, ctx, member);
    const t = arn === undefined ? undefined : store.topic(arn);
    if (!t) throw topicNotFound();
    return t;
  };
  /** A topic's tags are its own account's to read and change (SNS's topic policies grant no tagging). */
  const ownTopicOf = (arn: string, ctx: Scope): Topic => {
    const t = store.topic(arn);
    if (!t || t.account !== ctx.account || t.region !== ctx.region) throw topicNotFound();
    return t;
  };

  const checkTopicAttribute = (name: string, value: string) => {
    if (!TOPIC_ATTRIBUTES.has(name)) throw invalidParameter(`Attributes Reason: Unknown attribute ${name}`);
    if (name === "SignatureVersion" && value !== "1" && value !== "2") throw invalidParameter("Attributes Reason: SignatureVersion: Invalid value [" + value + "]. Must be 1 or 2.");
    if (name === "DeliveryPolicy" && value !== "") {
      const problem = deliveryPolicyProblem(value, "topic");
      if (problem) throw invalidParameter(`Attributes Reason: ${problem}`);
    }
  };

  const createTopic: Handler = (input: { Name: string; Attributes?: Record<string, string>; Tags?: Topic["tags"] }, ctx: RequestContext) => {
    const attributes = input.Attributes ?? {};
    const fifo = attributes["FifoTopic"] === "true";
    const bare = fifo ? input.Name.replace(/\.fifo$/, "") : input.Name;
    if (!TOPIC_NAME.test(bare) || (fifo !== input.Name.endsWith(".fifo"))) {
      throw invalidParameter(fifo || input.Name.endsWith(".fifo") ? "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
        : "Topic Name");
    }
    for (const [k, v] of Object.entries(attributes)) checkTopicAttribute(k, v);
    const arn = topicArn(ctx, input.Name);
    const existing = store.topic(arn);
    if (existing) {
      if (Object.entries(attributes).some(([k, v]) => existing.attributes[k] !== v)) {
        throw invalidParameter("Attributes Reason: Topic already exists with different attributes");
      }
      return { TopicArn: arn };
    }
    store.putTopic({ arn, account: ctx.account, region: ctx.region, name: input.Name, attributes: { ...(fifo ? { ContentBasedDeduplication: "false" } : {}), ...attributes }, tags: input.Tags ?? [] });
    return { TopicArn: arn };
  };

  const page = <T>(items: T[], token: string | undefined) => {
    const start = token === undefined ? 0 : Number(Buffer.from(token, "base64url").toString());
    if (!Number.isInteger(start) || start < 0) throw invalidParameter("NextToken");
    const end = start + PAGE;
    return { items: items.slice(start, end), NextToken: end < items.length ? Buffer.from(String(end)).toString("base64url") : undefined };
  };

  const listTopics: Handler = (input: { NextToken?: string }, ctx: RequestContext) => {
    const { items, NextToken } = page(store.topics(ctx.account, ctx.region), input.NextToken);
    return { Topics: items.map((t) => ({ TopicArn: t.arn })), NextToken };
  };

  const getTopicAttributes: Handler = (input: { TopicArn: string }, ctx: RequestContext) => {
    const t = topicOf(input.TopicArn, ctx);
    const subs = store.subscriptions(t.arn);
    return {
      Attributes: {
        TopicArn: t.arn, Owner: t.account, DisplayName: "",
        Policy: JSON.stringify({ Version: "2008-10-17", Id: "__default_policy_ID", Statement: [{ Sid: "__default_statement_ID", Effect: "Allow", Principal: { AWS: "*" }, Action: ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:DeleteTopic", "SNS:ListSubscriptionsByTopic", "SNS:AddPermission", "SNS:RemovePermission", "SNS:Receive"], Resource: t.arn, Condition: { StringEquals: { "AWS:SourceOwner": t.account } } }] }),
        SubscriptionsConfirmed: String(subs.filter((s) => !s.pendingConfirmation).length), SubscriptionsPending: String(subs.filter((s) => s.pendingConfirmation).length), SubscriptionsDeleted: "0",
        EffectiveDeliveryPolicy: JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3, numMaxDelayRetries: 0, numNoDelayRetries: 0, numMinDelayRetries: 0, backoffFunction: "linear" }, disableSubscriptionOverrides: false } }),
        ...t.attributes,
      },
    };
  };

  const setTopicAttributes: Handler = (input: { TopicArn: string; AttributeName: string; AttributeValue?: string }, ctx: RequestContext) => {
    const t = topicOf(input.TopicArn, ctx);
    if (!TOPIC_ATTRIBUTES.has(input.AttributeName) || input.AttributeName === "FifoTopic") throw invalidParameter("AttributeName");
    checkTopicAttribute(input.AttributeName, input.AttributeValue ?? "");
    t.attributes[input.AttributeName] = input.AttributeValue ?? "";
    store.putTopic(t);
    return {};
  };

  const deleteTopic: Handler = (input: { TopicArn: string }, ctx: RequestContext) => {
    inRegion(input.TopicArn, ctx, "TopicArn");
    const t = store.topic(input.TopicArn);
    // Deleting a topic that does not exist succeeds, as on AWS.
    if (t) store.deleteTopic(t.arn);
    return {};
  };

  const checkSubscriptionAttribute = (name: string, value: string) => {
    if (!SUBSCRIPTION_ATTRIBUTES.has(name)) throw invalidParameter(`Attributes Reason: Unknown attribute ${name}`);
    if (name === "RawMessageDelivery" && value !== "true" && value !== "false") throw invalidParameter("Attributes Reason: RawMessageDelivery: Invalid value [" + value + "]. Must be true or false.");
    if (name === "FilterPolicyScope" && value !== "MessageAttributes" && value !== "MessageBody") throw invalidParameter("Attributes Reason: FilterPolicyScope: Invalid value [" + value + "]. Please use either MessageBody or MessageAttributes");
    if (name === "FilterPolicy" && value !== "") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw invalidParameter("Filter policy: failed to parse JSON.");
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw invalidParameter("Filter policy: Filter policy must be a JSON object.");
      const problem = filterPolicyProblem(value);
      if (problem) throw invalidParameter(`FilterPolicy: ${problem}`);
    }
    if (name === "DeliveryPolicy" && value !== "") {
      const problem = deliveryPolicyProblem(value, "subscription");
      if (problem) throw invalidParameter(`Attributes Reason: ${problem}`);
    }
    if (name === "RedrivePolicy" && value !== "") {
      const problem = redrivePolicyProblem(value);
      if (problem) throw invalidParameter(problem);
    }
  };

  const subscribe: Handler = (input: { TopicArn: string; Protocol: string; Endpoint?: string; Attributes?: Record<string, string>; ReturnSubscriptionArn?: boolean }, ctx: RequestContext) => {
    const t = topicOf(input.TopicArn, ctx);
    const protocol = input.Protocol.toLowerCase();
    const shape = Object.hasOwn(PROTOCOLS, protocol) ? PROTOCOLS[protocol] : undefined;
    if (!shape) throw invalidParameter(`Invalid protocol type: ${input.Protocol}. Berth delivers to sqs, http, https, email, email-json and sms endpoints.`);
    const endpoint = input.Endpoint ?? "";
    if (!shape.test(endpoint)) throw invalidParameter(protocol === "sqs" ? "SQS endpoint ARN" : protocol === "sms" ? "Invalid SMS endpoint: " + endpoint : "Endpoint must match the specified protocol");
    if (protocol !== "sqs" && (protocol === "http" || protocol === "https") && !URL.canParse(endpoint)) throw invalidParameter("Endpoint must match the specified protocol");
    if (t.attributes["FifoTopic"] === "true" && (protocol !== "sqs" || !endpoint.endsWith(".fifo"))) throw invalidParameter("Invalid parameter: Endpoint Reason: FIFO SNS Topics currently only support FIFO SQS queues as endpoints.");
    const attributes = input.Attributes ?? {};
    for (const [k, v] of Object.entries(attributes)) checkSubscriptionAttribute(k, v);
    const same = store.subscriptions(t.arn).find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (same && !same.pendingConfirmation) return { SubscriptionArn: same.arn };
    const pending = NEEDS_CONFIRMATION.has(protocol);
    const sub: Subscription = same ?? { arn: `${t.arn}:${randomUUID()}`, topicArn: t.arn, owner: ctx.account, protocol, endpoint, attributes };
    if (pending) {
      // Subscribing again while pending sends a new confirmation, as on AWS.
      sub.pendingConfirmation = true;
      sub.token = randomBytes(64).toString("hex");
      sub.tokenExpiresAt = clock.now().getTime() + TOKEN_LIFETIME_MS;
    }
    store.putSubscription(sub);
    if (pending) delivery.confirm(t, sub, "SubscriptionConfirmation");
    return { SubscriptionArn: pending && !input.ReturnSubscriptionArn ? "pending confirmation" : sub.arn };
  };

  /** The token from the SubscriptionConfirmation; unsigned as on AWS (the SubscribeURL is a plain GET). */
  const confirmSubscription: Handler = (input: { TopicArn: string; Token: string; AuthenticateOnUnsubscribe?: string }) => {
    const t = store.topic(input.TopicArn);
    if (!t) throw topicNotFound();
    const sub = store.subscriptions(t.arn).find((s) => s.token === input.Token);
    if (!sub || (sub.pendingConfirmation && (sub.tokenExpiresAt ?? 0) <= clock.now().getTime())) throw invalidParameter("Token");
    if (sub.pendingConfirmation) {
      sub.pendingConfirmation = false;
      sub.authenticateOnUnsubscribe = input.AuthenticateOnUnsubscribe === "true";
      store.putSubscription(sub);
    }
    return { SubscriptionArn: sub.arn };
  };

  const subscriptionOf = (arn: string, ctx: Scope) => {
    const s = store.subscription(arn);
    if (!s || s.owner !== ctx.account) throw notFound("Subscription does not exist");
    return s;
  };

  /**
   * By the owner, or unsigned through the UnsubscribeURL (the subscription's ARN is the
   * capability, as on AWS) unless the subscription was confirmed with AuthenticateOnUnsubscribe;
   * an http/https endpoint unsubscribed that way gets an UnsubscribeConfirmation.
   */
  const unsubscribe: Handler = (input: { SubscriptionArn: string }, ctx: RequestContext) => {
    const s = store.subscription(input.SubscriptionArn);
    if (!s) return {};
    const unsigned = ctx.accessKeyId === undefined;
    if (unsigned) {
      if (s.authenticateOnUnsubscribe) throw new ServiceError("AuthorizationErrorException", "Authorization error: this subscription requires an authenticated Unsubscribe.", true, {}, 403);
    } else if (s.owner !== ctx.account) {
      return {};
    }
    store.deleteSubscription(s.arn);
    const t = store.topic(s.topicArn);
    if (unsigned && t && (s.protocol === "http" || s.protocol === "https")) {
      delivery.confirm(t, { ...s, token: s.token ?? randomBytes(64).toString("hex") }, "UnsubscribeConfirmation");
    }
    return {};
  };

  const wire = (s: Subscription) => ({ SubscriptionArn: s.pendingConfirmation ? "PendingConfirmation" : s.arn, Owner: s.owner, Protocol: s.protocol, Endpoint: s.endpoint, TopicArn: s.topicArn });
  const listSubscriptions: Handler = (input: { NextToken?: string }, ctx: RequestContext) => {
    const mine = store.subscriptions().filter((s) => s.owner === ctx.account && s.topicArn.split(":")[3] === ctx.region);
    const { items, NextToken } = page(mine, input.NextToken);
    return { Subscriptions: items.map(wire), NextToken };
  };
  const listSubscriptionsByTopic: Handler = (input: { TopicArn: string; NextToken?: string }, ctx: RequestContext) => {
    const t = topicOf(input.TopicArn, ctx);
    const { items, NextToken } = page(store.subscriptions(t.arn), input.NextToken);
    return { Subscriptions: items.map(wire), NextToken };
  };

  const getSubscriptionAttributes: Handler = (input: { SubscriptionArn: string }, ctx: RequestContext) => {
    const s = subscriptionOf(input.SubscriptionArn, ctx);
    return {
      Attributes: {
        SubscriptionArn: s.arn, TopicArn: s.topicArn, Owner: s.owner, Protocol: s.protocol, Endpoint: s.endpoint,
        ConfirmationWasAuthenticated: String(s.protocol === "sqs" || s.protocol === "sms" || s.authenticateOnUnsubscribe === true), PendingConfirmation: String(s.pendingConfirmation === true), RawMessageDelivery: "false", SubscriptionPrincipal: `arn:aws:iam::${s.owner}:root`,
        ...(s.attributes["FilterPolicy"] ? { FilterPolicyScope: "MessageAttributes" } : {}),
        ...s.attributes,
      },
    };
  };

  const setSubscriptionAttributes: Handler = (input: { SubscriptionArn: string; AttributeName: string; AttributeValue?: string }, ctx: RequestContext) => {
    const s = subscriptionOf(input.SubscriptionArn, ctx);
    const value = input.AttributeValue ?? "";
    checkSubscriptionAttribute(input.AttributeName, value);
    if (value === "" && input.AttributeName === "FilterPolicy") delete s.attributes["FilterPolicy"];
    else s.attributes[input.AttributeName] = value;
    store.putSubscription(s);
    return {};
  };

  /** Whether a subscription's filter policy lets the message through. */
  const passes = (s: Subscription, message: string, attributes: Record<string, SnsAttribute>) => {
    const policy = s.attributes["FilterPolicy"];
    if (!policy) return true;
    const parsed = JSON.parse(policy) as Record<string, unknown>;
    if (s.attributes["FilterPolicyScope"] === "MessageBody") {
      try {
        return matchesPolicy(parsed, bodyValues(JSON.parse(message)));
      } catch {
        return false;
      }
    }
    return matchesPolicy(parsed, attributeValues(attributes));
  };

  /** Publishes to every subscription the filter policies let through; resolves once each queue holds its copy. */
  async function publish(t: Topic, p: { Message: string; Subject?: string; MessageStructure?: string; MessageAttributes?: Record<string, SnsAttribute>; MessageGroupId?: string; MessageDeduplicationId?: string }): Promise<{ MessageId: string; SequenceNumber?: string }> {
    const fifo = t.attributes["FifoTopic"] === "true";
    if (fifo && !p.MessageGroupId) throw invalidParameter("The MessageGroupId parameter is required for FIFO topics");
    if (fifo && !p.MessageDeduplicationId && t.attributes["ContentBasedDeduplication"] !== "true") {
      throw invalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
    }
    if (p.Message === "") throw invalidParameter("Empty message");
    if (Buffer.byteLength(p.Message) > 262144) throw invalidParameter("Message too long");
    let byProtocol: Record<string, unknown> = {};
    if (p.MessageStructure !== undefined) {
      if (p.MessageStructure !== "json") throw invalidParameter("MessageStructure");
      try {
        byProtocol = JSON.parse(p.Message) as Record<string, unknown>;
      } catch {
        throw invalidParameter("Message Structure - JSON message body failed to parse");
      }
      if (byProtocol === null || typeof byProtocol["default"] !== "string") throw invalidParameter("Message Structure - No default entry in JSON message body");
    }
    /** The message a protocol gets: its own entry of a MessageStructure json message, else the default. */
    const messageFor = (protocol: string) => {
      if (p.MessageStructure === undefined) return p.Message;
      const own = Object.hasOwn(byProtocol, protocol) ? byProtocol[protocol] : undefined;
      return typeof own === "string" ? own : (byProtocol["default"] as string);
    };
    const attributes = p.MessageAttributes ?? {};
    const messageId = randomUUID();
    const now = clock.now();
    const sequenceNumber = fifo ? String(BigInt(now.getTime()) * 1000n).padStart(20, "1") : undefined;
    for (const s of store.subscriptions(t.arn)) {
      if (s.pendingConfirmation) continue;
      const message = messageFor(s.protocol);
      if (!passes(s, message, attributes)) continue;
      const published: Published = {
        messageId, subject: p.Subject, message, original: p.Message, attributes, timestamp: now, sequenceNumber,
        ...(fifo ? { messageGroupId: p.MessageGroupId, messageDeduplicationId: p.MessageDeduplicationId } : {}),
      };
      await delivery.deliver(t, s, published);
    }
    return fifo ? { MessageId: messageId, SequenceNumber: sequenceNumber } : { MessageId: messageId };
  }

  /** Publish to a topic, or straight to a phone number (an SMS, which goes to the outbox). */
  const publishHandler: Handler = async (input: { TopicArn?: string; TargetArn?: string; Message: string; Subject?: string; PhoneNumber?: string }, ctx: RequestContext) => {
    if (input.PhoneNumber !== undefined) {
      if (input.TopicArn !== undefined || input.TargetArn !== undefined) throw invalidParameter("Only one of TopicArn, TargetArn or PhoneNumber may be given");
      if (!PROTOCOLS["sms"]!.test(input.PhoneNumber)) throw invalidParameter(`PhoneNumber Reason: ${input.PhoneNumber} is not valid to publish to`);
      if (input.Message === "") throw invalidParameter("Empty message");
      if (Buffer.byteLength(input.Message) > 1600) throw invalidParameter("Message too long");
      const MessageId = randomUUID();
      outbox.record(ctx, { protocol: "sms", endpoint: input.PhoneNumber, messageId: MessageId, type: "Notification", timestamp: clock.now().toISOString(), body: input.Message });
      return { MessageId };
    }
    const t = topicOf(input.TopicArn ?? input.TargetArn, ctx, input.TopicArn === undefined ? "TargetArn" : "TopicArn");
    return publish(t, input);
  };

  const publishBatch: Handler = async (input: { TopicArn: string; PublishBatchRequestEntries: Array<{ Id: string; Message: string }> }, ctx: RequestContext) => {
    const t = topicOf(input.TopicArn, ctx);
    const entries = input.PublishBatchRequestEntries;
    if (entries.length === 0) throw new ServiceError("EmptyBatchRequestException", "The batch request doesn't contain any entries.");
    if (entries.length > 10) throw new ServiceError("TooManyEntriesInBatchRequestException", "The batch request contains more entries than permissible.");
    if (new Set(entries.map((e) => e.Id)).size !== entries.length) throw new ServiceError("BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the same Id.");
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of entries) {
      try {
        Successful.push({ Id: e.Id, ...(await publish(t, e)) });
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        Failed.push({ Id: e.Id, Code: err.code.replace(/Exception$/, ""), Message: err.message, SenderFault: err.sender });
      }
    }
    return { Successful, Failed };
  };

  const listTags: Handler = (input: { ResourceArn: string }, ctx: RequestContext) => ({ Tags: ownTopicOf(input.ResourceArn, ctx).tags });
  const tagResource: Handler = (input: { ResourceArn: string; Tags: Topic["tags"] }, ctx: RequestContext) => {
    const t = ownTopicOf(input.ResourceArn, ctx);
    t.tags = [...t.tags.filter((x) => !input.Tags.some((y) => y.Key === x.Key)), ...input.Tags];
    store.putTopic(t);
    return {};
  };
  const untagResource: Handler = (input: { ResourceArn: string; TagKeys: string[] }, ctx: RequestContext) => {
    const t = ownTopicOf(input.ResourceArn, ctx);
    t.tags = t.tags.filter((x) => !input.TagKeys.includes(x.Key));
    store.putTopic(t);
    return {};
  };

  return {
    model: loadModel("sns"),
    // Called through the SubscribeURL and UnsubscribeURL SNS's messages carry: plain GETs, as on AWS.
    unsigned: ["ConfirmSubscription", "Unsubscribe"],
    handlers: {
      CreateTopic: createTopic, ListTopics: listTopics, GetTopicAttributes: getTopicAttributes, SetTopicAttributes: setTopicAttributes, DeleteTopic: deleteTopic,
      Subscribe: subscribe, ConfirmSubscription: confirmSubscription, Unsubscribe: unsubscribe, ListSubscriptions: listSubscriptions, ListSubscriptionsByTopic: listSubscriptionsByTopic,
      GetSubscriptionAttributes: getSubscriptionAttributes, SetSubscriptionAttributes: setSubscriptionAttributes,
      Publish: publishHandler, PublishBatch: publishBatch, ListTagsForResource: listTags, TagResource: tagResource, UntagResource: untagResource,
    },
    internal: {
      async publishInternal(scope, arn, message, subject, attributes) {
        return (await publish(topicOf(arn, scope), { Message: message, Subject: subject, MessageAttributes: attributes })).MessageId;
      },
    },
  };
}
