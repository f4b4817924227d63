import assert from "node:assert/strict";
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
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
