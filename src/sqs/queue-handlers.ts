import type { CreateQueueRequest, GetQueueAttributesRequest, ListQueuesRequest, SetQueueAttributesRequest } from "@aws-sdk/client-sqs";
import { ServiceError } from "../core/errors.js";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { ALL_NAMES, COMPUTED, checkQueueName, defaultAttributes, validateAttributes } from "./queue-attributes.js";
import { invalidAttributeName, invalidAttributeValue, invalidValue, missingParameter } from "./errors.js";
import { queueArn, queueOf, queueUrl, type SqsContext } from "./sqs-context.js";
import type { Queue } from "./queue-store.js";
import { countMessages } from "./message-counts.js";

const PURGE_INTERVAL_MS = 60_000;
const MAX_TAGS = 50;

/** CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes, PurgeQueue, tags, ListDeadLetterSourceQueues. */
export function queueHandlers(sqs: SqsContext): Record<string, Handler> {
  const { store, clock } = sqs;

  const createQueue: Handler = async (input: CreateQueueRequest, ctx: RequestContext) => {
    const name = input.QueueName!;
    const given = input.Attributes ?? {};
    const fifo = given["FifoQueue"]?.toLowerCase() === "true";
    checkQueueName(name, fifo);
    if (name.endsWith(".fifo") && !fifo) throw invalidValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    const attributes = { ...defaultAttributes(fifo), ...validateAttributes(given as Record<string, string>, { fifo, creating: true }) };
    if (!fifo) delete attributes["FifoQueue"];
    checkRedriveTarget(sqs, ctx, fifo, attributes);
    const existing = store.get(ctx, name);
    if (existing) {
      const differing = Object.keys(given).find((k) => existing.attributes[k] !== attributes[k]);
      if (differing) throw new ServiceError("QueueNameExists", `A queue already exists with the same name and a different value for attribute ${differing}`);
      return { QueueUrl: queueUrl(sqs, existing) };
    }
    const tags = input.tags ?? {};
    if (Object.keys(tags).length > MAX_TAGS) throw invalidValue(`Too many tags added for queue ${name}.`);
    const now = clock.now().getTime();
    const q = store.create({ account: ctx.account, region: ctx.region, name, arn: queueArn(ctx, name), fifo, createdAt: now, modifiedAt: now, attributes, tags });
    return { QueueUrl: queueUrl(sqs, q) };
  };

  const getQueueUrl: Handler = (input: { QueueName: string; QueueOwnerAWSAccountId?: string }, ctx: RequestContext) => {
    const q = store.get({ account: input.QueueOwnerAWSAccountId ?? ctx.account, region: ctx.region }, input.QueueName);
    if (!q) throw new ServiceError("QueueDoesNotExist", "The specified queue does not exist.");
    return { QueueUrl: queueUrl(sqs, q) };
  };

  const listQueues: Handler = (input: ListQueuesRequest, ctx: RequestContext) => {
    const prefix = input.QueueNamePrefix ?? "";
    const names = store.list(ctx).filter((q) => q.name.startsWith(prefix));
    return page(names.map((q) => queueUrl(sqs, q)), input, (urls, NextToken) => (urls.length ? { QueueUrls: urls, NextToken } : {}));
  };

  const deleteQueue: Handler = async (input: { QueueUrl: string }, ctx: RequestContext) => {
    await store.delete(queueOf(sqs, ctx, input.QueueUrl));
    return {};
  };

  const getQueueAttributes: Handler = (input: GetQueueAttributesRequest, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl!);
    const asked = input.AttributeNames ?? [];
    for (const a of asked) if (a !== "All" && !ALL_NAMES.has(a)) throw invalidAttributeName(a);
    const all = queueAttributes(sqs, q);
    const wanted = asked.includes("All") ? Object.keys(all) : asked.filter((a) => a in all);
    return wanted.length ? { Attributes: Object.fromEntries(wanted.map((a) => [a, all[a]!])) } : {};
  };

  const setQueueAttributes: Handler = async (input: SetQueueAttributesRequest, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl!);
    const given = input.Attributes ?? {};
    for (const name of Object.keys(given)) if ((COMPUTED as readonly string[]).includes(name)) throw invalidAttributeName(name);
    const changed = validateAttributes(given as Record<string, string>, { fifo: q.fifo, creating: false });
    const next = { ...q.attributes, ...changed };
    for (const [k, v] of Object.entries(changed)) if (v === "" && (k === "Policy" || k === "RedrivePolicy" || k === "RedriveAllowPolicy")) delete next[k];
    checkRedriveTarget(sqs, ctx, q.fifo, next);
    q.attributes = next;
    q.modifiedAt = clock.now().getTime();
    await store.saveQueue(q);
    return {};
  };

  const purgeQueue: Handler = async (input: { QueueUrl: string }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    const now = clock.now().getTime();
    if (q.purgedAt !== undefined && now - q.purgedAt < PURGE_INTERVAL_MS) {
      throw new ServiceError("PurgeQueueInProgress", `Only one PurgeQueue operation on ${q.name} is allowed every 60 seconds.`);
    }
    q.purgedAt = now;
    await store.purge(q);
    return {};
  };

  const tagQueue: Handler = async (input: { QueueUrl: string; Tags: Record<string, string> }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    const tags = { ...q.tags, ...input.Tags };
    if (Object.keys(tags).length > MAX_TAGS) throw invalidValue(`Too many tags added for queue ${q.name}.`);
    q.tags = tags;
    await store.saveQueue(q);
    return {};
  };

  const untagQueue: Handler = async (input: { QueueUrl: string; TagKeys: string[] }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    q.tags = Object.fromEntries(Object.entries(q.tags).filter(([k]) => !input.TagKeys.includes(k)));
    await store.saveQueue(q);
    return {};
  };

  const listQueueTags: Handler = (input: { QueueUrl: string }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    return Object.keys(q.tags).length ? { Tags: q.tags } : {};
  };

  const listDeadLetterSourceQueues: Handler = (input: { QueueUrl: string; MaxResults?: number; NextToken?: string }, ctx: RequestContext) => {
    const dlq = queueOf(sqs, ctx, input.QueueUrl);
    const sources = store.list(ctx).filter((q) => {
      const p = q.attributes["RedrivePolicy"];
      return p !== undefined && (JSON.parse(p) as { deadLetterTargetArn: string }).deadLetterTargetArn === dlq.arn;
    });
    return page(sources.map((q) => queueUrl(sqs, q)), input, (urls, NextToken) => ({ queueUrls: urls, NextToken }));
  };

  return {
    CreateQueue: createQueue, GetQueueUrl: getQueueUrl, ListQueues: listQueues, DeleteQueue: deleteQueue,
    GetQueueAttributes: getQueueAttributes, SetQueueAttributes: setQueueAttributes, PurgeQueue: purgeQueue,
    TagQueue: tagQueue, UntagQueue: untagQueue, ListQueueTags: listQueueTags, ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  };
}

/** Every attribute GetQueueAttributes can answer for the queue, computed ones included. */
export function queueAttributes(sqs: SqsContext, q: Queue): Record<string, string> {
  const counts = countMessages(q, sqs.clock.now().getTime());
  return {
    QueueArn: q.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(q.modifiedAt / 1000)),
    ...q.attributes,
  };
}

/** A dead-letter queue must exist, in the same account and region, and be of the source's type. */
function checkRedriveTarget(sqs: SqsContext, ctx: RequestContext, fifo: boolean, attributes: Record<string, string>): void {
  const policy = attributes["RedrivePolicy"];
  if (!policy) return;
  const { deadLetterTargetArn } = JSON.parse(policy) as { deadLetterTargetArn: string };
  const dlq = sqs.store.byArn(deadLetterTargetArn);
  if (!dlq || dlq.account !== ctx.account || dlq.region !== ctx.region) {
    throw invalidAttributeValue(`Value ${policy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`);
  }
  if (dlq.fifo !== fifo) throw invalidAttributeValue(`Value ${policy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.`);
}

/**
 * ListQueues' and ListDeadLetterSourceQueues' paging: without MaxResults, the first 1,000 and no
 * token; with it, pages whose token is the offset (base64, opaque to the caller).
 */
function page<T>(items: string[], input: { MaxResults?: number; NextToken?: string }, shape: (items: string[], token?: string) => T): T {
  if (input.NextToken !== undefined && input.MaxResults === undefined) throw missingParameter("MaxResults is a required parameter when NextToken is given.");
  let start = 0;
  if (input.NextToken !== undefined) {
    start = Number(Buffer.from(input.NextToken, "base64url").toString());
    if (!Number.isInteger(start) || start < 0) throw invalidValue("Invalid NextToken value.");
  }
  if (input.MaxResults === undefined) return shape(items.slice(0, 1000));
  if (input.MaxResults < 1 || input.MaxResults > 1000) throw invalidValue("Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
  const end = start + input.MaxResults;
  return shape(items.slice(start, end), end < items.length ? Buffer.from(String(end)).toString("base64url") : undefined);
}
