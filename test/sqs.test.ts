import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import * as sqs from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";
import { boto3Json } from "./boto3.js";
import { AwsQueryProtocol } from "@aws-sdk/core/protocols";

/**
 * SQS end to end with SDK v3 (which checks every MD5 Berth answers), the AWS CLI and boto3:
 * queues and their attributes, standard and FIFO messages, long polling, visibility, redrive to
 * a dead-letter queue, batches, and bad input answered with AWS's errors.
 */

let berth: BerthProcess;
let client: sqs.SQSClient;
before(async () => {
  berth = await BerthProcess.start();
  client = new sqs.SQSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});
after(async () => {
  client?.destroy();
  await berth?.dispose();
});

const send = (QueueUrl: string, MessageBody: string, extra: Partial<sqs.SendMessageRequest> = {}) => client.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody, ...extra }));
const receive = (QueueUrl: string, extra: Partial<sqs.ReceiveMessageRequest> = {}) => client.send(new sqs.ReceiveMessageCommand({ QueueUrl, ...extra }));
const attributes = async (QueueUrl: string) => (await client.send(new sqs.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))).Attributes!;
const create = async (QueueName: string, Attributes?: Record<string, string>) => (await client.send(new sqs.CreateQueueCommand({ QueueName, Attributes }))).QueueUrl!;
/** Waits until the queue holds `n` visible messages (a redrive to a dead-letter queue is stored after the receive answers). */
async function waitForCount(QueueUrl: string, n: number) {
  for (let i = 0; i < 100; i++) {
    if ((await attributes(QueueUrl)).ApproximateNumberOfMessages === String(n)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${QueueUrl} never held ${n} messages`);
}
async function rejects(promise: Promise<unknown>, name: string, message?: RegExp) {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.name, name, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe("SQS queues", () => {
  test("CreateQueue takes AWS's defaults, answers the same URL again, and refuses different attributes", async () => {
    const url = await create("orders");
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/000000000000\/orders$/);
    const attrs = await attributes(url);
    assert.equal(attrs.VisibilityTimeout, "30");
    assert.equal(attrs.MaximumMessageSize, "262144");
    assert.equal(attrs.MessageRetentionPeriod, "345600");
    assert.equal(attrs.DelaySeconds, "0");
    assert.equal(attrs.QueueArn, "arn:aws:sqs:us-east-1:000000000000:orders");
    assert.equal(attrs.ApproximateNumberOfMessages, "0");
    assert.ok(Number(attrs.CreatedTimestamp) > 1_600_000_000);
    assert.equal(await create("orders"), url);
    await rejects(create("orders", { VisibilityTimeout: "60" }), "QueueNameExists", /VisibilityTimeout/);
    assert.equal((await client.send(new sqs.GetQueueUrlCommand({ QueueName: "orders" }))).QueueUrl, url);
    await rejects(client.send(new sqs.GetQueueUrlCommand({ QueueName: "nope" })), "QueueDoesNotExist");
  });

  test("bad queue names and attributes get AWS's errors and create nothing", async () => {
    await rejects(create("bad name"), "InvalidParameterValue");
    await rejects(create("plain.fifo"), "InvalidParameterValue");
    await rejects(create("fifo-without-suffix", { FifoQueue: "true" }), "InvalidParameterValue", /\.fifo/);
    await rejects(create("q1", { VisibilityTimeout: "43201" }), "InvalidAttributeValue");
    await rejects(create("q1", { ContentBasedDeduplication: "true" }), "InvalidAttributeName");
    await rejects(create("q1", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:missing", maxReceiveCount: 3 }) }), "InvalidAttributeValue", /does not exist/);
    const listed = await client.send(new sqs.ListQueuesCommand({ QueueNamePrefix: "q1" }));
    assert.equal(listed.QueueUrls, undefined);
  });

  test("ListQueues filters by prefix and pages; tags; SetQueueAttributes; DeleteQueue", async () => {
    for (const n of ["page-a", "page-b", "page-c"]) await create(n);
    const first = await client.send(new sqs.ListQueuesCommand({ QueueNamePrefix: "page-", MaxResults: 2 }));
    assert.equal(first.QueueUrls!.length, 2);
    const second = await client.send(new sqs.ListQueuesCommand({ QueueNamePrefix: "page-", MaxResults: 2, NextToken: first.NextToken }));
    assert.deepEqual(second.QueueUrls!.map((u) => u.split("/").pop()), ["page-c"]);
    assert.equal(second.NextToken, undefined);
    const url = first.QueueUrls![0]!;
    await client.send(new sqs.TagQueueCommand({ QueueUrl: url, Tags: { team: "ops", env: "dev" } }));
    await client.send(new sqs.UntagQueueCommand({ QueueUrl: url, TagKeys: ["env"] }));
    assert.deepEqual((await client.send(new sqs.ListQueueTagsCommand({ QueueUrl: url }))).Tags, { team: "ops" });
    await client.send(new sqs.SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: "5", DelaySeconds: "2" } }));
    const attrs = await attributes(url);
    assert.equal(attrs.VisibilityTimeout, "5");
    assert.equal(attrs.DelaySeconds, "2");
    await rejects(client.send(new sqs.SetQueueAttributesCommand({ QueueUrl: url, Attributes: { QueueArn: "x" } })), "InvalidAttributeName");
    await client.send(new sqs.DeleteQueueCommand({ QueueUrl: url }));
    await rejects(attributes(url), "QueueDoesNotExist");
  });
});

describe("SQS messages", () => {
  test("send, receive (MD5s checked by the SDK), delete; attributes and system attributes", async () => {
    const url = await create("messages");
    const sent = await send(url, "hello wörld", {
      MessageAttributes: { color: { DataType: "String", StringValue: "blue" }, size: { DataType: "Number", StringValue: "42" }, blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) } },
    });
    assert.ok(sent.MessageId && sent.MD5OfMessageBody && sent.MD5OfMessageAttributes);
    const got = await receive(url, { MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"], VisibilityTimeout: 30 });
    const m = got.Messages![0]!;
    assert.equal(m.Body, "hello wörld");
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.MessageAttributes!.color!.StringValue, "blue");
    assert.deepEqual([...m.MessageAttributes!.blob!.BinaryValue!], [1, 2, 3]);
    assert.equal(m.Attributes!.ApproximateReceiveCount, "1");
    assert.ok(Number(m.Attributes!.SentTimestamp) > 1_600_000_000_000);
    let attrs = await attributes(url);
    assert.equal(attrs.ApproximateNumberOfMessages, "0");
    assert.equal(attrs.ApproximateNumberOfMessagesNotVisible, "1");
    // A subset of attributes: its own MD5, which the SDK checks too.
    await client.send(new sqs.ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
    const again = await receive(url, { MessageAttributeNames: ["color"], MessageSystemAttributeNames: ["ApproximateReceiveCount"] });
    assert.deepEqual(Object.keys(again.Messages![0]!.MessageAttributes!), ["color"]);
    assert.equal(again.Messages![0]!.Attributes!.ApproximateReceiveCount, "2");
    await client.send(new sqs.DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.Messages![0]!.ReceiptHandle! }));
    attrs = await attributes(url);
    assert.equal(attrs.ApproximateNumberOfMessagesNotVisible, "0");
    assert.equal(attrs.ApproximateNumberOfMessages, "0");
    await rejects(client.send(new sqs.DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })), "ReceiptHandleIsInvalid");
  });

  test("long polling wakes when a message arrives; delayed messages are counted as delayed", async () => {
    const url = await create("polling");
    const polling = receive(url, { WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 300));
    await send(url, "wake up");
    const got = await polling;
    assert.equal(got.Messages![0]!.Body, "wake up");
    await send(url, "later", { DelaySeconds: 600 });
    const attrs = await attributes(url);
    assert.equal(attrs.ApproximateNumberOfMessagesDelayed, "1");
    assert.equal((await receive(url)).Messages, undefined);
  });

  test("visibility timeout returns a message; after maxReceiveCount it moves to the dead-letter queue", async () => {
    const dlqUrl = await create("dead");
    const dlqArn = (await attributes(dlqUrl)).QueueArn!;
    const url = await create("work", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: "2" }), VisibilityTimeout: "0" });
    await send(url, "poison");
    for (let i = 1; i <= 2; i++) {
      const got = await receive(url, { MessageSystemAttributeNames: ["ApproximateReceiveCount"] });
      assert.equal(got.Messages![0]!.Attributes!.ApproximateReceiveCount, String(i));
    }
    assert.equal((await receive(url)).Messages, undefined);
    const dead = await receive(dlqUrl, { MessageSystemAttributeNames: ["DeadLetterQueueSourceArn"] });
    assert.equal(dead.Messages![0]!.Body, "poison");
    assert.equal(dead.Messages![0]!.Attributes!.DeadLetterQueueSourceArn, "arn:aws:sqs:us-east-1:000000000000:work");
    const sources = await client.send(new sqs.ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    assert.deepEqual(sources.queueUrls, [url]);
  });

  test("redrive back: StartMessageMoveTask returns dead letters to their source queue, or to another; AWS's errors", async () => {
    const dlqUrl = await create("graveyard");
    const dlqArn = (await attributes(dlqUrl)).QueueArn!;
    const url = await create("orders-in", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }), VisibilityTimeout: "0" });
    const otherUrl = await create("orders-retry");
    const otherArn = (await attributes(otherUrl)).QueueArn!;
    for (const b of ["a", "b", "c"]) await send(url, b, { MessageAttributes: { k: { DataType: "String", StringValue: b } } });
    // One receive each, then the next receive moves all three to the dead-letter queue.
    assert.equal((await receive(url, { MaxNumberOfMessages: 10 })).Messages!.length, 3);
    assert.equal((await receive(url, { MaxNumberOfMessages: 10 })).Messages, undefined);
    await waitForCount(dlqUrl, 3);

    const { TaskHandle } = await client.send(new sqs.StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
    const [task] = (await client.send(new sqs.ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results!;
    assert.equal(task!.Status, "COMPLETED");
    assert.equal(task!.SourceArn, dlqArn);
    assert.equal(task!.DestinationArn, undefined);
    assert.equal(task!.ApproximateNumberOfMessagesMoved, 3);
    assert.equal(task!.ApproximateNumberOfMessagesToMove, 3);
    assert.equal((await attributes(dlqUrl)).ApproximateNumberOfMessages, "0");
    const back = await receive(url, { MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] });
    assert.deepEqual(back.Messages!.map((m) => [m.Body, m.MessageAttributes!.k!.StringValue, m.Attributes!.ApproximateReceiveCount, m.Attributes!.DeadLetterQueueSourceArn]).sort(),
      [["a", "a", "1", undefined], ["b", "b", "1", undefined], ["c", "c", "1", undefined]]);

    // Dead again (their second receive), then moved to another queue.
    assert.equal((await receive(url, { MaxNumberOfMessages: 10 })).Messages, undefined);
    await waitForCount(dlqUrl, 3);
    await client.send(new sqs.StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: otherArn, MaxNumberOfMessagesPerSecond: 10 }));
    const tasks = (await client.send(new sqs.ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results!;
    assert.deepEqual(tasks.map((t) => [t.DestinationArn, t.MaxNumberOfMessagesPerSecond, t.ApproximateNumberOfMessagesMoved]), [[otherArn, 10, 3], [undefined, undefined, 3]]);
    assert.equal((await attributes(otherUrl)).ApproximateNumberOfMessages, "3");

    await rejects(client.send(new sqs.StartMessageMoveTaskCommand({ SourceArn: otherArn })), "UnsupportedOperation", /must be configured as a Dead Letter Queue/);
    await rejects(client.send(new sqs.StartMessageMoveTaskCommand({ SourceArn: "arn:aws:sqs:us-east-1:000000000000:nope" })), "ResourceNotFoundException");
    await rejects(client.send(new sqs.StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: "arn:aws:sqs:us-east-1:000000000000:nope" })), "ResourceNotFoundException");
    await rejects(client.send(new sqs.StartMessageMoveTaskCommand({ SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: 501 })), "InvalidParameterValue");
    await rejects(client.send(new sqs.CancelMessageMoveTaskCommand({ TaskHandle })), "UnsupportedOperation");
    await rejects(client.send(new sqs.CancelMessageMoveTaskCommand({ TaskHandle: "bogus" })), "ResourceNotFoundException");
    assert.equal((await client.send(new sqs.ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results!.length, 2);
  });

  test("redrive back: a moved message is new in its queue (a new MessageId and SentTimestamp, so its retention starts again)", async () => {
    const dlqUrl = await create("crypt");
    const dlqArn = (await attributes(dlqUrl)).QueueArn!;
    const url = await create("payments-in", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }), VisibilityTimeout: "0" });
    const { MessageId } = await send(url, "p1");
    const sent = Number((await receive(url, { MessageSystemAttributeNames: ["SentTimestamp"] })).Messages![0]!.Attributes!.SentTimestamp);
    assert.equal((await receive(url)).Messages, undefined);
    await waitForCount(dlqUrl, 1);
    // Later than the original send on any clock: the move is what the new timestamp records.
    while (Date.now() <= sent) await new Promise((r) => setTimeout(r, 5));
    const before = Date.now();
    await client.send(new sqs.StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    const [moved] = (await receive(url, { MessageSystemAttributeNames: ["SentTimestamp"] })).Messages!;
    assert.equal(moved!.Body, "p1");
    assert.notEqual(moved!.MessageId, MessageId);
    assert.ok(Number(moved!.Attributes!.SentTimestamp) >= before, `${moved!.Attributes!.SentTimestamp} is the original send (${sent}), not the move`);
  });

  test("FIFO: order within a group, group locked while in flight, deduplication by id and by content", async () => {
    const url = await create("jobs.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
    const a1 = await send(url, "a1", { MessageGroupId: "a" });
    await send(url, "b1", { MessageGroupId: "b" });
    await send(url, "a2", { MessageGroupId: "a" });
    const dup = await send(url, "a1", { MessageGroupId: "a" });
    assert.equal(dup.MessageId, a1.MessageId);
    const byId = await send(url, "other body", { MessageGroupId: "a", MessageDeduplicationId: "x" });
    assert.equal((await send(url, "different", { MessageGroupId: "a", MessageDeduplicationId: "x" })).MessageId, byId.MessageId);
    assert.ok(BigInt(byId.SequenceNumber!) > BigInt(a1.SequenceNumber!));
    const first = await receive(url, { MaxNumberOfMessages: 1, MessageSystemAttributeNames: ["MessageGroupId", "SequenceNumber"] });
    assert.equal(first.Messages![0]!.Body, "a1");
    // Group a is locked while a1 is in flight: the next receive gets group b only.
    const second = await receive(url, { MaxNumberOfMessages: 10 });
    assert.deepEqual(second.Messages!.map((m) => m.Body), ["b1"]);
    await client.send(new sqs.DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle! }));
    const third = await receive(url, { MaxNumberOfMessages: 10 });
    assert.deepEqual(third.Messages!.map((m) => m.Body), ["a2", "other body"]);
    await rejects(send(url, "no group"), "MissingParameter");
    await rejects(send(url, "delayed", { MessageGroupId: "a", DelaySeconds: 5 }), "InvalidParameterValue");
    const plain = await create("nodedup.fifo", { FifoQueue: "true" });
    await rejects(send(plain, "x", { MessageGroupId: "g" }), "InvalidParameterValue", /ContentBasedDeduplication/);
  });

  test("batches: partial failures, batch limits, oversized messages, bad attributes", async () => {
    const url = await create("batches");
    const out = await client.send(new sqs.SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: "ok1", MessageBody: "one" },
        { Id: "bad", MessageBody: "two", MessageAttributes: { n: { DataType: "Number", StringValue: "not a number" } } },
        { Id: "ok2", MessageBody: "three", DelaySeconds: 0 },
      ],
    }));
    assert.deepEqual(out.Successful!.map((s) => s.Id).sort(), ["ok1", "ok2"]);
    assert.equal(out.Failed![0]!.Id, "bad");
    assert.equal(out.Failed![0]!.Code, "InvalidParameterValue");
    assert.equal(out.Failed![0]!.SenderFault, true);
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" }));
    await rejects(client.send(new sqs.SendMessageBatchCommand({ QueueUrl: url, Entries: entries })), "TooManyEntriesInBatchRequest");
    await rejects(client.send(new sqs.SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: "a", MessageBody: "x" }, { Id: "a", MessageBody: "y" }] })), "BatchEntryIdsNotDistinct");
    await rejects(client.send(new sqs.SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: "no spaces", MessageBody: "x" }] })), "InvalidBatchEntryId");
    await rejects(client.send(new sqs.SendMessageBatchCommand({ QueueUrl: url, Entries: [] })), "EmptyBatchRequest");
    await rejects(client.send(new sqs.SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: "a", MessageBody: "x".repeat(200_000) }, { Id: "b", MessageBody: "y".repeat(100_000) }] })), "BatchRequestTooLong");
    await rejects(send(url, "x".repeat(262_145)), "InvalidParameterValue", /shorter than 262144/);
    await rejects(send(url, "bad\u0000char"), "InvalidMessageContents");
    await rejects(send(url, "x", { MessageAttributes: { "AWS.reserved": { DataType: "String", StringValue: "v" } } }), "InvalidParameterValue");
    await rejects(receive(url, { MaxNumberOfMessages: 11 }), "InvalidParameterValue");
    assert.equal((await attributes(url)).ApproximateNumberOfMessages, "2");
    const got = await receive(url, { MaxNumberOfMessages: 10 });
    const del = await client.send(new sqs.DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
    assert.equal(del.Successful!.length, 2);
    await client.send(new sqs.PurgeQueueCommand({ QueueUrl: url }));
    await rejects(client.send(new sqs.PurgeQueueCommand({ QueueUrl: url })), "PurgeQueueInProgress");
  });
});

describe("SQS from the AWS CLI and boto3", () => {
  test("the AWS CLI creates, sends, receives and deletes", async () => {
    const { QueueUrl } = await berth.aws("sqs", "create-queue", "--queue-name", "cli-queue");
    await berth.aws("sqs", "send-message", "--queue-url", QueueUrl, "--message-body", "from the cli", "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}');
    const got = await berth.aws("sqs", "receive-message", "--queue-url", QueueUrl, "--wait-time-seconds", "1", "--message-attribute-names", "All");
    assert.equal(got.Messages[0].Body, "from the cli");
    await berth.aws("sqs", "delete-message", "--queue-url", QueueUrl, "--receipt-handle", got.Messages[0].ReceiptHandle);
    const attrs = await berth.aws("sqs", "get-queue-attributes", "--queue-url", QueueUrl, "--attribute-names", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible");
    assert.deepEqual(attrs.Attributes, { ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });
  });

  test("the query protocol: SDK v3 speaking it, and a bare form POSTed to the queue's URL", async () => {
    const query = new sqs.SQSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1, protocol: AwsQueryProtocol });
    try {
      const url = (await query.send(new sqs.CreateQueueCommand({ QueueName: "query-queue", Attributes: { VisibilityTimeout: "7" } }))).QueueUrl!;
      await query.send(new sqs.SendMessageCommand({ QueueUrl: url, MessageBody: "over query", MessageAttributes: { a: { DataType: "String", StringValue: "b" } } }));
      const got = await query.send(new sqs.ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
      assert.equal(got.Messages![0]!.Body, "over query");
      assert.equal(got.Messages![0]!.MessageAttributes!.a!.StringValue, "b");
      const attrs = await query.send(new sqs.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["VisibilityTimeout"] }));
      assert.deepEqual(attrs.Attributes, { VisibilityTimeout: "7" });
      await rejects(query.send(new sqs.GetQueueUrlCommand({ QueueName: "missing" })), "QueueDoesNotExist");
      // What a busybox wget loop sends: the queue's URL, a form, no QueueUrl parameter.
      await send(url, "for wget");
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=ReceiveMessage&Version=2012-11-05&WaitTimeSeconds=1" });
      const xml = await res.text();
      assert.equal(res.status, 200, xml);
      assert.match(xml, /<Message><MessageId>[^<]+<\/MessageId><ReceiptHandle>[^<]+<\/ReceiptHandle><MD5OfBody>[0-9a-f]{32}<\/MD5OfBody><Body>for wget<\/Body><\/Message>/);
    } finally {
      query.destroy();
    }
  });

  test("boto3 sends and receives (botocore checks the MD5s too)", async () => {
    const result = await boto3Json<{ body: string; attr: string; error: string }>(`
import json, sys, boto3
c = boto3.client("sqs", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
url = c.create_queue(QueueName="boto-queue")["QueueUrl"]
c.send_message(QueueUrl=url, MessageBody="from boto3", MessageAttributes={"n": {"DataType": "Number", "StringValue": "7"}})
m = c.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1)["Messages"][0]
try:
    c.get_queue_url(QueueName="missing")
    err = "none"
except c.exceptions.QueueDoesNotExist as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"body": m["Body"], "attr": m["MessageAttributes"]["n"]["StringValue"], "error": err}))
`, berth.endpoint);
    assert.deepEqual(result, { body: "from boto3", attr: "7", error: "AWS.SimpleQueueService.NonExistentQueue" });
  });
});
