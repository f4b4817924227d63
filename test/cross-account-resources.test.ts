import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { SQSClient, CreateQueueCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { SNSClient, CreateTopicCommand, PublishCommand, SetTopicAttributesCommand, SubscribeCommand, GetTopicAttributesCommand, ListSubscriptionsCommand } from "@aws-sdk/client-sns";
import { EventBridgeClient, CreateEventBusCommand, PutEventsCommand, PutPermissionCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { BerthProcess } from "./harness.js";
import { nextMessage, queueArn } from "./sqs-messages.js";
import { A, B, ROOT_A, ROOT_B, TWO_ROOTS, config, doc, userWith, type Creds } from "./two-accounts.js";

/**
 * Another account's SNS topic and EventBridge bus named by ARN, as AWS resolves them: in the
 * ARN's account, the resource's policy deciding under iamEnforcement (a refused PutEvents entry
 * fails alone), nothing checked without it (as another account's SQS queue is reached by its URL).
 * And the classic cross-account event routing: a rule of account B whose target is account A's
 * bus, delivered once A's bus policy allows B, matched there by A's rules on the sender's account.
 */

const refusal = (who: string, action: string, resource: string) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`;
const args = TWO_ROOTS;

const entry = (bus: string | undefined, source: string, detail: object) =>
  ({ ...(bus ? { EventBusName: bus } : {}), Source: source, DetailType: "t", Detail: JSON.stringify(detail) });

describe("another account's topic and bus by ARN, under iamEnforcement", () => {
  let berth: BerthProcess;
  let userOfB: (name: string, statements: object[]) => Promise<Creds>;
  before(async () => {
    berth = await BerthProcess.start({ args: [...args, "--iam-enforcement"] });
    userOfB = (name, statements) => userWith(berth.endpoint, B, name, statements);
  });
  after(async () => {
    await berth.dispose();
  });

  test("SNS: B publishes to and subscribes on A's topic once the topic's policy names B; what it does not name stays refused", async () => {
    const snsA = new SNSClient(config(berth.endpoint, ROOT_A));
    const sqsA = new SQSClient(config(berth.endpoint, ROOT_A));
    const sqsB = new SQSClient(config(berth.endpoint, ROOT_B));
    const snsRootB = new SNSClient(config(berth.endpoint, ROOT_B));
    const { TopicArn } = await snsA.send(new CreateTopicCommand({ Name: "shared-news" }));
    const inbox = (await sqsA.send(new CreateQueueCommand({ QueueName: "a-inbox" }))).QueueUrl!;
    await snsA.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: await queueArn(sqsA, inbox), Attributes: { RawMessageDelivery: "true" } }));
    const lee = new SNSClient(config(berth.endpoint, await userOfB("lee", [{ Effect: "Allow", Action: "sns:*", Resource: "*" }])));

    await assert.rejects(lee.send(new PublishCommand({ TopicArn, Message: "unasked" })), (err: Error) => {
      assert.equal(err.name, "AuthorizationErrorException");
      assert.equal(err.message, refusal(`arn:aws:iam::${B}:user/lee`, "SNS:Publish", TopicArn!));
      return true;
    });
    assert.equal(await nextMessage(sqsA, inbox, 0), undefined);

    await snsA.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "Policy", AttributeValue: doc([{
      Effect: "Allow", Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes"], Resource: TopicArn,
    }]) }));
    assert.ok((await lee.send(new PublishCommand({ TopicArn, Message: "from B" }))).MessageId);
    assert.equal((await nextMessage(sqsA, inbox))?.Body, "from B");
    const { Attributes } = await lee.send(new GetTopicAttributesCommand({ TopicArn }));
    assert.equal(Attributes?.["Owner"], A);
    assert.equal(Attributes?.["TopicArn"], TopicArn);
    // SetTopicAttributes is not among what the policy names.
    await assert.rejects(lee.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "DisplayName", AttributeValue: "x" })), (err: Error) => {
      assert.equal(err.name, "AuthorizationErrorException");
      assert.equal(err.message, refusal(`arn:aws:iam::${B}:user/lee`, "SNS:SetTopicAttributes", TopicArn!));
      return true;
    });

    // B's root subscribes B's queue to A's topic; the queue's policy lets A's topic deliver into it.
    const mine = (await sqsB.send(new CreateQueueCommand({ QueueName: "b-copy" }))).QueueUrl!;
    const mineArn = await queueArn(sqsB, mine);
    await sqsB.send(new SetQueueAttributesCommand({ QueueUrl: mine, Attributes: { Policy: doc([{
      Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: mineArn, Condition: { ArnEquals: { "aws:SourceArn": TopicArn } },
    }]) } }));
    const { SubscriptionArn } = await snsRootB.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: mineArn, Attributes: { RawMessageDelivery: "true" }, ReturnSubscriptionArn: true }));
    assert.ok(SubscriptionArn?.startsWith(`${TopicArn}:`));
    const listed = (await snsRootB.send(new ListSubscriptionsCommand({}))).Subscriptions?.find((s) => s.SubscriptionArn === SubscriptionArn);
    assert.equal(listed?.Owner, B);
    assert.equal(listed?.TopicArn, TopicArn);
    await snsA.send(new PublishCommand({ TopicArn, Message: "to both" }));
    assert.equal((await nextMessage(sqsA, inbox))?.Body, "to both");
    assert.equal((await nextMessage(sqsB, mine))?.Body, "to both");
  });

  test("EventBridge: B's PutEvents entry for A's bus fails alone with AccessDeniedException until A's policy allows B; then A's rule matches it", async () => {
    const eventsA = new EventBridgeClient(config(berth.endpoint, ROOT_A));
    const sqsA = new SQSClient(config(berth.endpoint, ROOT_A));
    const busArn = `arn:aws:events:us-east-1:${A}:event-bus/default`;
    const inbox = (await sqsA.send(new CreateQueueCommand({ QueueName: "a-events" }))).QueueUrl!;
    await eventsA.send(new PutRuleCommand({ Name: "from-b", EventPattern: JSON.stringify({ source: ["b.app"], account: [B] }) }));
    await eventsA.send(new PutTargetsCommand({ Rule: "from-b", Targets: [{ Id: "q", Arn: await queueArn(sqsA, inbox) }] }));
    const kim = new EventBridgeClient(config(berth.endpoint, await userOfB("kim", [{ Effect: "Allow", Action: "events:*", Resource: "*" }])));
    const rootB = new EventBridgeClient(config(berth.endpoint, ROOT_B));

    const refused = await kim.send(new PutEventsCommand({ Entries: [entry(busArn, "b.app", { n: 1 }), entry(undefined, "b.app", { n: 2 })] }));
    assert.equal(refused.FailedEntryCount, 1);
    assert.equal(refused.Entries?.[0]?.ErrorCode, "AccessDeniedException");
    assert.equal(refused.Entries?.[0]?.ErrorMessage, refusal(`arn:aws:iam::${B}:user/kim`, "events:PutEvents", busArn));
    assert.equal(refused.Entries?.[0]?.EventId, undefined);
    assert.ok(refused.Entries?.[1]?.EventId);
    const byRoot = await rootB.send(new PutEventsCommand({ Entries: [entry(busArn, "b.app", { n: 3 })] }));
    assert.equal(byRoot.Entries?.[0]?.ErrorMessage, refusal(`arn:aws:iam::${B}:root`, "events:PutEvents", busArn));
    assert.equal(await nextMessage(sqsA, inbox, 1), undefined);

    await eventsA.send(new PutPermissionCommand({ StatementId: "b", Principal: B, Action: "events:PutEvents" }));
    const accepted = await kim.send(new PutEventsCommand({ Entries: [entry(busArn, "b.app", { n: 4 })] }));
    assert.equal(accepted.FailedEntryCount, 0);
    const delivered = JSON.parse((await nextMessage(sqsA, inbox))!.Body!);
    assert.equal(delivered.id, accepted.Entries?.[0]?.EventId);
    assert.equal(delivered.account, B);
    assert.deepEqual(delivered.detail, { n: 4 });
  });

  test("EventBridge: B's rule targeting A's bus is NO_PERMISSIONS until A's bus policy allows B, then A's rule gets B's event", async () => {
    const eventsA = new EventBridgeClient(config(berth.endpoint, ROOT_A));
    const eventsB = new EventBridgeClient(config(berth.endpoint, ROOT_B));
    const sqsA = new SQSClient(config(berth.endpoint, ROOT_A));
    const sqsB = new SQSClient(config(berth.endpoint, ROOT_B));
    const { EventBusArn } = await eventsA.send(new CreateEventBusCommand({ Name: "inbound" }));
    const forwarded = (await sqsA.send(new CreateQueueCommand({ QueueName: "a-forwarded" }))).QueueUrl!;
    await eventsA.send(new PutRuleCommand({ Name: "b-events", EventBusName: "inbound", EventPattern: JSON.stringify({ source: ["b.fwd"], account: [B] }) }));
    await eventsA.send(new PutTargetsCommand({ Rule: "b-events", EventBusName: "inbound", Targets: [{ Id: "q", Arn: await queueArn(sqsA, forwarded) }] }));
    const dlq = (await sqsB.send(new CreateQueueCommand({ QueueName: "b-forward-dlq" }))).QueueUrl!;
    await eventsB.send(new PutRuleCommand({ Name: "forward", EventPattern: JSON.stringify({ source: ["b.fwd"] }) }));
    await eventsB.send(new PutTargetsCommand({ Rule: "forward", Targets: [{ Id: "a", Arn: EventBusArn!, DeadLetterConfig: { Arn: await queueArn(sqsB, dlq) } }] }));

    await eventsB.send(new PutEventsCommand({ Entries: [entry(undefined, "b.fwd", { n: "first" })] }));
    const dead = await nextMessage(sqsB, dlq);
    assert.equal(dead?.MessageAttributes?.["ERROR_CODE"]?.StringValue, "NO_PERMISSIONS");
    assert.equal(dead?.MessageAttributes?.["ERROR_MESSAGE"]?.StringValue, refusal("events.amazonaws.com", "events:PutEvents", EventBusArn!));
    assert.equal(await nextMessage(sqsA, forwarded, 0), undefined);

    await eventsA.send(new PutPermissionCommand({ EventBusName: "inbound", StatementId: "b-rules", Principal: B, Action: "events:PutEvents" }));
    const { Entries } = await eventsB.send(new PutEventsCommand({ Entries: [entry(undefined, "b.fwd", { n: "second" })] }));
    const event = JSON.parse((await nextMessage(sqsA, forwarded))!.Body!);
    assert.equal(event.id, Entries?.[0]?.EventId);
    assert.equal(event.account, B);
    assert.equal(event.source, "b.fwd");
    assert.deepEqual(event.detail, { n: "second" });
  });
});

describe("another account's topic and bus by ARN, without iamEnforcement", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await BerthProcess.start({ args });
  });
  after(async () => {
    await berth.dispose();
  });

  test("open mode reaches them as it reaches another account's queue; an ARN of another region is not this endpoint's", async () => {
    const snsA = new SNSClient(config(berth.endpoint, ROOT_A));
    const snsB = new SNSClient(config(berth.endpoint, ROOT_B));
    const sqsA = new SQSClient(config(berth.endpoint, ROOT_A));
    const eventsA = new EventBridgeClient(config(berth.endpoint, ROOT_A));
    const eventsB = new EventBridgeClient(config(berth.endpoint, ROOT_B));
    const inbox = (await sqsA.send(new CreateQueueCommand({ QueueName: "open-inbox" }))).QueueUrl!;
    const inboxArn = await queueArn(sqsA, inbox);

    const { TopicArn } = await snsA.send(new CreateTopicCommand({ Name: "open-topic" }));
    await snsA.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: inboxArn, Attributes: { RawMessageDelivery: "true" } }));
    await snsB.send(new PublishCommand({ TopicArn, Message: "by B" }));
    assert.equal((await nextMessage(sqsA, inbox))?.Body, "by B");
    await assert.rejects(snsB.send(new PublishCommand({ TopicArn: TopicArn!.replace("us-east-1", "us-west-2"), Message: "x" })), (err: Error) => {
      assert.equal(err.name, "InvalidParameterException");
      assert.equal(err.message, "Invalid parameter: TopicArn");
      return true;
    });
    await assert.rejects(snsB.send(new PublishCommand({ TopicArn: `arn:aws:sns:us-east-1:${A}:nope`, Message: "x" })), (err: Error) => err.name === "NotFoundException");

    const busArn = `arn:aws:events:us-east-1:${A}:event-bus/default`;
    await eventsA.send(new PutRuleCommand({ Name: "open-from-b", EventPattern: JSON.stringify({ account: [B] }) }));
    await eventsA.send(new PutTargetsCommand({ Rule: "open-from-b", Targets: [{ Id: "q", Arn: inboxArn }] }));
    const put = await eventsB.send(new PutEventsCommand({ Entries: [
      entry(busArn, "b.direct", {}),
      entry(busArn.replace("us-east-1", "us-west-2"), "b.direct", {}),
    ] }));
    assert.equal(put.FailedEntryCount, 1);
    assert.equal(put.Entries?.[1]?.ErrorCode, "ResourceNotFoundException");
    const direct = JSON.parse((await nextMessage(sqsA, inbox))!.Body!);
    assert.equal(direct.id, put.Entries?.[0]?.EventId);
    assert.equal(direct.source, "b.direct");

    await eventsB.send(new PutRuleCommand({ Name: "open-forward", EventPattern: JSON.stringify({ source: ["b.routed"] }) }));
    await eventsB.send(new PutTargetsCommand({ Rule: "open-forward", Targets: [{ Id: "a", Arn: busArn }] }));
    const routed = await eventsB.send(new PutEventsCommand({ Entries: [entry(undefined, "b.routed", { hop: 1 })] }));
    const event = JSON.parse((await nextMessage(sqsA, inbox))!.Body!);
    assert.equal(event.id, routed.Entries?.[0]?.EventId);
    assert.equal(event.account, B);
  });
});
