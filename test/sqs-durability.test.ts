import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as sqs from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";

/**
 * An acknowledged send survives kill -9 of the server, and so does an acknowledged delete; a
 * message received but not deleted comes back once its visibility timeout has passed, with its
 * receive count. Concurrent sends go through group commit, so this also checks that a group's
 * answers wait for its commit.
 */
test("SQS: acknowledged sends and deletes survive kill -9", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-sqs-kill-"));
  const clientOf = (endpoint: string) => new sqs.SQSClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  let berth = await BerthProcess.start({ dataDir });
  try {
    let client = clientOf(berth.endpoint);
    const { QueueUrl } = await client.send(new sqs.CreateQueueCommand({ QueueName: "durable", Attributes: { VisibilityTimeout: "1" } }));
    const fifo = (await client.send(new sqs.CreateQueueCommand({ QueueName: "durable.fifo", Attributes: { FifoQueue: "true" } }))).QueueUrl!;
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => client.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }))));
    await client.send(new sqs.SendMessageCommand({ QueueUrl: fifo, MessageBody: "once", MessageGroupId: "g", MessageDeduplicationId: "d1" }));
    const got = await client.send(new sqs.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    assert.equal(got.Messages!.length, 10);
    const deleted = got.Messages!.slice(0, 5);
    await client.send(new sqs.DeleteMessageBatchCommand({ QueueUrl, Entries: deleted.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
    client.destroy();
    await berth.kill9();

    berth = await BerthProcess.start({ dataDir });
    client = clientOf(berth.endpoint);
    const url = (await client.send(new sqs.GetQueueUrlCommand({ QueueName: "durable" }))).QueueUrl!;
    const bodies = new Map<string, string>();
    for (;;) {
      const page = await client.send(new sqs.ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageSystemAttributeNames: ["ApproximateReceiveCount"], VisibilityTimeout: 600 }));
      if (!page.Messages) break;
      for (const m of page.Messages) bodies.set(m.MessageId!, m.Attributes!.ApproximateReceiveCount!);
    }
    const expected = sent.map((s) => s.MessageId!).filter((id) => !deleted.some((d) => d.MessageId === id));
    assert.deepEqual([...bodies.keys()].sort(), expected.sort());
    const receivedBefore = got.Messages!.slice(5).map((m) => m.MessageId!);
    for (const id of receivedBefore) assert.equal(bodies.get(id), "2", `message ${id} was received once before the kill`);
    // The FIFO queue still knows its deduplication id.
    const fifoUrl = (await client.send(new sqs.GetQueueUrlCommand({ QueueName: "durable.fifo" }))).QueueUrl!;
    await client.send(new sqs.SendMessageCommand({ QueueUrl: fifoUrl, MessageBody: "once", MessageGroupId: "g", MessageDeduplicationId: "d1" }));
    const attrs = await client.send(new sqs.GetQueueAttributesCommand({ QueueUrl: fifoUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
    assert.equal(attrs.Attributes!.ApproximateNumberOfMessages, "1");
    client.destroy();
  } finally {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
