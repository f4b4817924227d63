import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as sns from "@aws-sdk/client-sns";
import * as sqs from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";

/** SNS to SQS: the AWS CLI chain, the envelope, raw delivery, filter policies, FIFO topics, bad input. */

let berth: BerthProcess;
let topics: sns.SNSClient;
let queues: sqs.SQSClient;
before(async () => {
  berth = await BerthProcess.start();
  const opts = { endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
  topics = new sns.SNSClient(opts);
  queues = new sqs.SQSClient(opts);
});
after(async () => {
  topics?.destroy();
  queues?.destroy();
  await berth?.dispose();
});

async function queue(name: string, attributes?: Record<string, string>) {
  const url = (await queues.send(new sqs.CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const arn = (await queues.send(new sqs.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  return { url, arn };
}
const drain = async (url: string) => (await queues.send(new sqs.ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ["All"] }))).Messages ?? [];

test("the AWS CLI: create-topic, create-queue, subscribe --protocol sqs, publish, receive the SNS envelope", async () => {
  const { TopicArn } = await berth.aws("sns", "create-topic", "--name", "ops");
  assert.equal(TopicArn, "arn:aws:sns:us-east-1:000000000000:ops");
  const { QueueUrl } = await berth.aws("sqs", "create-queue", "--queue-name", "inbox");
  const { Attributes } = await berth.aws("sqs", "get-queue-attributes", "--queue-url", QueueUrl, "--attribute-names", "QueueArn");
  const { SubscriptionArn } = await berth.aws("sns", "subscribe", "--topic-arn", TopicArn, "--protocol", "sqs", "--notification-endpoint", Attributes.QueueArn);
  assert.match(SubscriptionArn, /^arn:aws:sns:us-east-1:000000000000:ops:[0-9a-f-]{36}$/);
  const { MessageId } = await berth.aws("sns", "publish", "--topic-arn", TopicArn, "--message", "task stopped", "--subject", "ECS",
    "--message-attributes", '{"severity":{"DataType":"String","StringValue":"high"}}');
  const got = await berth.aws("sqs", "receive-message", "--queue-url", QueueUrl, "--wait-time-seconds", "5");
  const envelope = JSON.parse(got.Messages[0].Body);
  assert.equal(envelope.Type, "Notification");
  assert.equal(envelope.MessageId, MessageId);
  assert.equal(envelope.TopicArn, TopicArn);
  assert.equal(envelope.Subject, "ECS");
  assert.equal(envelope.Message, "task stopped");
  assert.deepEqual(envelope.MessageAttributes, { severity: { Type: "String", Value: "high" } });
  assert.ok(!Number.isNaN(Date.parse(envelope.Timestamp)));
  const subs = await berth.aws("sns", "list-subscriptions-by-topic", "--topic-arn", TopicArn);
  assert.deepEqual(subs.Subscriptions.map((s: { Protocol: string; Endpoint: string }) => [s.Protocol, s.Endpoint]), [["sqs", Attributes.QueueArn]]);
});

test("raw delivery carries the attributes; filter policies on attributes and on the body", async () => {
  const { TopicArn } = await topics.send(new sns.CreateTopicCommand({ Name: "orders" }));
  const raw = await queue("raw");
  const blue = await queue("blue-only");
  const big = await queue("big-orders");
  await topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: raw.arn, Attributes: { RawMessageDelivery: "true" } }));
  await topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: blue.arn, Attributes: { FilterPolicy: JSON.stringify({ color: ["blue", { prefix: "light-" }], size: [{ numeric: [">", 10] }] }), RawMessageDelivery: "true" } }));
  await topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: big.arn, Attributes: { FilterPolicyScope: "MessageBody", FilterPolicy: JSON.stringify({ order: { total: [{ numeric: [">=", 100] }], region: [{ "anything-but": ["eu"] }] } }), RawMessageDelivery: "true" } }));
  const publish = (body: unknown, attrs: Record<string, sns.MessageAttributeValue>) => topics.send(new sns.PublishCommand({ TopicArn, Message: JSON.stringify(body), MessageAttributes: attrs }));
  await publish({ order: { total: 150, region: "us" } }, { color: { DataType: "String", StringValue: "blue" }, size: { DataType: "Number", StringValue: "12" } });
  await publish({ order: { total: 50, region: "us" } }, { color: { DataType: "String", StringValue: "light-green" }, size: { DataType: "Number", StringValue: "5" } });
  await publish({ order: { total: 500, region: "eu" } }, { color: { DataType: "String", StringValue: "light-blue" }, size: { DataType: "Number", StringValue: "11" } });
  const rawGot = await drain(raw.url);
  assert.equal(rawGot.length, 3);
  assert.equal(rawGot.find((m) => JSON.parse(m.Body!).order.total === 150)!.MessageAttributes!.color!.StringValue, "blue");
  assert.deepEqual((await drain(blue.url)).map((m) => JSON.parse(m.Body!).order.total).sort(), [150, 500]);
  assert.deepEqual((await drain(big.url)).map((m) => JSON.parse(m.Body!).order.total), [150]);
});

test("FIFO topics deliver to FIFO queues in order; bad input gets SNS's errors", async () => {
  const { TopicArn } = await topics.send(new sns.CreateTopicCommand({ Name: "events.fifo", Attributes: { FifoTopic: "true", ContentBasedDeduplication: "true" } }));
  const q = await queue("events.fifo", { FifoQueue: "true" });
  const standard = await queue("standard-for-fifo");
  await assert.rejects(topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: standard.arn })), (e: Error) => e.name === "InvalidParameterException");
  await topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: q.arn, Attributes: { RawMessageDelivery: "true" } }));
  for (const m of ["1", "2", "3"]) await topics.send(new sns.PublishCommand({ TopicArn, Message: m, MessageGroupId: "g" }));
  await topics.send(new sns.PublishCommand({ TopicArn, Message: "1", MessageGroupId: "g" }));
  assert.deepEqual((await drain(q.url)).map((m) => m.Body), ["1", "2", "3"]);
  await assert.rejects(topics.send(new sns.PublishCommand({ TopicArn, Message: "x" })), (e: Error) => e.name === "InvalidParameterException");
  await assert.rejects(topics.send(new sns.PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:000000000000:nope", Message: "x" })), (e: Error) => e.name === "NotFoundException");
  await assert.rejects(topics.send(new sns.CreateTopicCommand({ Name: "bad name" })), (e: Error) => e.name === "InvalidParameterException");
  await assert.rejects(topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: q.arn, Attributes: { FilterPolicy: "{not json" } })), (e: Error) => e.name === "InvalidParameterException");
  const attrs = await topics.send(new sns.GetTopicAttributesCommand({ TopicArn }));
  assert.equal(attrs.Attributes!.FifoTopic, "true");
  assert.equal(attrs.Attributes!.SubscriptionsConfirmed, "1");
  await topics.send(new sns.DeleteTopicCommand({ TopicArn }));
  assert.ok(!(await topics.send(new sns.ListTopicsCommand({}))).Topics!.some((t) => t.TopicArn === TopicArn));
});

test("invalid filter policies and empty messages get SNS's errors and change nothing", async () => {
  const { TopicArn } = await topics.send(new sns.CreateTopicCommand({ Name: "strict" }));
  const q = await queue("strict-inbox");
  const refused = async (p: Promise<unknown>, message: string) =>
    assert.rejects(p, (e: Error) => {
      assert.equal(e.name, "InvalidParameterException");
      assert.equal(e.message, message);
      return true;
    });
  for (const [policy, reason] of [
    [{ color: [] }, "Empty arrays are not allowed"],
    [{ color: [{ bogus: "x" }] }, "Unrecognized match type bogus"],
    [{ color: "blue" }, '"color" must be an object or an array'],
    [{ size: [{ numeric: [">", "ten"] }] }, "Value of > must be numeric"],
    [{ path: [{ wildcard: "a/*" }] }, "Unrecognized match type wildcard"],
  ] as const) {
    await refused(topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: q.arn, Attributes: { FilterPolicy: JSON.stringify(policy) } })), `Invalid parameter: FilterPolicy: ${reason}`);
  }
  assert.deepEqual((await topics.send(new sns.ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions, []);
  const { SubscriptionArn } = await topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: q.arn, ReturnSubscriptionArn: true, Attributes: { FilterPolicy: '{"color":["blue"]}' } }));
  await refused(topics.send(new sns.SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: "FilterPolicy", AttributeValue: '{"color":[{"prefix":1}]}' })), "Invalid parameter: FilterPolicy: prefix match pattern must be a string");
  assert.equal((await topics.send(new sns.GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes!.FilterPolicy, '{"color":["blue"]}');

  await refused(topics.send(new sns.PublishCommand({ TopicArn, Message: "" })), "Invalid parameter: Empty message");
  const batch = await topics.send(new sns.PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [{ Id: "a", Message: "" }, { Id: "b", Message: "ok", MessageAttributes: { color: { DataType: "String", StringValue: "blue" } } }] }));
  assert.deepEqual(batch.Failed?.map((f) => [f.Id, f.Code, f.Message, f.SenderFault]), [["a", "InvalidParameter", "Invalid parameter: Empty message", true]]);
  assert.deepEqual((await drain(q.url)).map((m) => JSON.parse(m.Body!).Message), ["ok"]);
});
