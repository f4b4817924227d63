import assert from "node:assert/strict";
import { DeleteMessageBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { waitFor } from "./wait.js";

/** Receives (and deletes) messages, attributes included, until `count` arrived; then makes sure no more come. */
export async function receiveExactly(sqs: SQSClient, url: string, count: number, timeoutMs = 60_000): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(`${count} messages in ${url}`, async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }));
    if (Messages.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    got.push(...Messages);
    return got.length >= count || undefined;
  }, timeoutMs);
  assert.equal(got.length, count, `exactly ${count} messages in ${url}`);
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }));
  assert.deepEqual(Messages.map((m) => m.Body), [], `no more than ${count} messages in ${url}`);
  return got;
}

/** A message's string attributes (a dead-letter queue's ERROR_CODE, TARGET_ARN, ...) by name. */
export const attributesOf = (m: Message): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));

/** The next message on a queue (long polling), deleted once read; undefined after `seconds` without one. */
export async function nextMessage(sqs: SQSClient, QueueUrl: string, seconds = 10): Promise<Message | undefined> {
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: seconds, MessageAttributeNames: ["All"] }));
  const m = Messages?.[0];
  if (m) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
  return m;
}

/** A queue's ARN, from its URL. */
export const queueArn = async (sqs: SQSClient, QueueUrl: string) =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!;
