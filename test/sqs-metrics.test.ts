import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as sqs from "@aws-sdk/client-sqs";
import * as sns from "@aws-sdk/client-sns";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { BerthProcess } from "./harness.js";

/**
 * A queue's AWS/SQS metrics read back through GetMetricData (published every second here:
 * --metrics-interval-seconds 1), so a service can scale on queue depth; and /_berth/reset wipes
 * SQS and SNS, in the store and in memory.
 */

let berth: BerthProcess;
let queues: sqs.SQSClient;
let topics: sns.SNSClient;
let cw: CloudWatchClient;
before(async () => {
  berth = await BerthProcess.start({ args: ["--metrics-interval-seconds", "1"] });
  const opts = { endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
  queues = new sqs.SQSClient(opts);
  topics = new sns.SNSClient(opts);
  cw = new CloudWatchClient(opts);
});
after(async () => {
  queues?.destroy();
  topics?.destroy();
  cw?.destroy();
  await berth?.dispose();
});

/** One statistic of one AWS/SQS metric of a queue over the last 10 minutes (one 10-minute period). */
async function stat(queue: string, metric: string, statistic: string): Promise<number | undefined> {
  const now = Date.now();
  const out = await cw.send(new GetMetricDataCommand({
    StartTime: new Date(now - 600_000), EndTime: new Date(now + 60_000),
    MetricDataQueries: [{ Id: "m", MetricStat: { Metric: { Namespace: "AWS/SQS", MetricName: metric, Dimensions: [{ Name: "QueueName", Value: queue }] }, Period: 660, Stat: statistic } }],
  }));
  return out.MetricDataResults![0]!.Values![0];
}

/** Waits until the metric's statistic is `want` (the publisher runs every second); fails with the last value after 30 s. */
async function until(queue: string, metric: string, statistic: string, want: number): Promise<void> {
  let got: number | undefined;
  for (const stop = Date.now() + 30_000; Date.now() < stop; await new Promise((r) => setTimeout(r, 250))) {
    got = await stat(queue, metric, statistic);
    if (got === want) return;
  }
  assert.fail(`${metric} ${statistic} of ${queue}: ${got}, want ${want}`);
}

test("AWS/SQS metrics by QueueName: depths, counters, sizes and age, through GetMetricData", async () => {
  const { QueueUrl } = await queues.send(new sqs.CreateQueueCommand({ QueueName: "jobs" }));
  // An empty receive first: NumberOfEmptyReceives.
  await queues.send(new sqs.ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
  const bodies = ["a", "bb", "ccc"];
  for (const b of bodies) await queues.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody: b }));
  await queues.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody: "later", DelaySeconds: 900 }));
  await until("jobs", "ApproximateNumberOfMessagesVisible", "Maximum", 3);
  await until("jobs", "ApproximateNumberOfMessagesDelayed", "Maximum", 1);

  const got = await queues.send(new sqs.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2 }));
  assert.equal(got.Messages!.length, 2);
  await until("jobs", "ApproximateNumberOfMessagesNotVisible", "Maximum", 2);
  await queues.send(new sqs.DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle! }));

  await until("jobs", "NumberOfMessagesSent", "Sum", 4);
  await until("jobs", "NumberOfMessagesReceived", "Sum", 2);
  await until("jobs", "NumberOfMessagesDeleted", "Sum", 1);
  await until("jobs", "NumberOfEmptyReceives", "Sum", 1);
  await until("jobs", "SentMessageSize", "SampleCount", 4);
  await until("jobs", "SentMessageSize", "Sum", 1 + 2 + 3 + 5);
  await until("jobs", "SentMessageSize", "Maximum", 5);
  for (let age = 0; age < 1; ) age = (await stat("jobs", "ApproximateAgeOfOldestMessage", "Maximum")) ?? 0;
  // The dimension names the queue: another queue's metrics are its own.
  assert.equal(await stat("no-such-queue", "NumberOfMessagesSent", "Sum"), undefined);
});

test("/_berth/reset wipes SQS and SNS: queues, messages, topics, subscriptions, the outbox; a long poll ends", async () => {
  const { QueueUrl } = await queues.send(new sqs.CreateQueueCommand({ QueueName: "kept-until-reset" }));
  await queues.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody: "old" }));
  const { QueueUrl: idle } = await queues.send(new sqs.CreateQueueCommand({ QueueName: "idle" }));
  const { TopicArn } = await topics.send(new sns.CreateTopicCommand({ Name: "before-reset" }));
  await topics.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sms", Endpoint: "+15555550100" }));
  await topics.send(new sns.PublishCommand({ TopicArn, Message: "hello" }));
  const polling = queues.send(new sqs.ReceiveMessageCommand({ QueueUrl: idle, WaitTimeSeconds: 20 }));

  await berth.reset();
  assert.deepEqual((await polling).Messages, undefined);
  assert.equal((await queues.send(new sqs.ListQueuesCommand({}))).QueueUrls, undefined);
  await assert.rejects(queues.send(new sqs.GetQueueUrlCommand({ QueueName: "kept-until-reset" })), (e: Error) => e.name === "QueueDoesNotExist");
  assert.deepEqual((await topics.send(new sns.ListTopicsCommand({}))).Topics, []);
  assert.deepEqual((await topics.send(new sns.ListSubscriptionsCommand({}))).Subscriptions, []);
  const outbox = (await (await berth.admin("/_berth/sns/outbox")).json()) as { messages: unknown[] };
  assert.deepEqual(outbox.messages, []);

  // The same name makes a new, empty queue that works as any other.
  const { QueueUrl: again } = await queues.send(new sqs.CreateQueueCommand({ QueueName: "kept-until-reset" }));
  assert.equal((await queues.send(new sqs.ReceiveMessageCommand({ QueueUrl: again, WaitTimeSeconds: 0 }))).Messages, undefined);
  await queues.send(new sqs.SendMessageCommand({ QueueUrl: again, MessageBody: "new" }));
  assert.equal((await queues.send(new sqs.ReceiveMessageCommand({ QueueUrl: again, WaitTimeSeconds: 5 }))).Messages![0]!.Body, "new");

  // A restart after the reset finds the same (new) state.
  await berth.stop();
  const restarted = await BerthProcess.start({ dataDir: berth.dataDir, args: ["--metrics-interval-seconds", "1"] });
  try {
    const q = new sqs.SQSClient({ endpoint: restarted.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
    const urls = (await q.send(new sqs.ListQueuesCommand({}))).QueueUrls!;
    assert.deepEqual(urls.map((u) => u.split("/").pop()), ["kept-until-reset"]);
    q.destroy();
  } finally {
    await restarted.stop();
  }
});
