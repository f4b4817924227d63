import { createHash, randomUUID } from "node:crypto";
import type { SendMessageBatchRequestEntry, SendMessageRequest } from "@aws-sdk/client-sqs";
import { ServiceError } from "../core/errors.js";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { invalidValue, missingParameter } from "./errors.js";
import { md5Hex, md5OfAttributes, type AttributeValue } from "./message-md5.js";
import { checkAttributes, checkBody, FIFO_ID } from "./message-input.js";
import { queueOf, type SqsContext } from "./sqs-context.js";
import type { Message, Queue } from "./queue-store.js";
import { batch } from "./batch.js";
import { countSent } from "./queue-stats.js";

const DEDUP_WINDOW_MS = 5 * 60_000;

export interface SendInput {
  MessageBody: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, AttributeValue>;
  MessageSystemAttributes?: Record<string, AttributeValue>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
  SequenceNumber?: string;
}

const notForThisQueue = (name: string, value: unknown) =>
  invalidValue(`Value ${String(value)} for parameter ${name} is invalid. Reason: The request include parameter that is not valid for this queue type.`);

/**
 * One message made ready for the queue, or the earlier message a FIFO deduplication id names.
 * Throws the message's own error (it becomes the entry's failure in a batch).
 */
export function prepare(q: Queue, input: SendInput, senderId: string, now: number): { message?: Omit<Message, "seq">; result: SendResult } {
  const body = input.MessageBody;
  if (typeof body !== "string") throw missingParameter("The request must contain the parameter MessageBody.");
  checkBody(body);
  const attributes = input.MessageAttributes ?? {};
  const systemAttributes = input.MessageSystemAttributes ?? {};
  const size = Buffer.byteLength(body) + checkAttributes(attributes) + checkAttributes(systemAttributes, { system: true });
  const max = Number(q.attributes["MaximumMessageSize"]);
  if (size > max) throw invalidValue(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
  let delay = Number(q.attributes["DelaySeconds"]);
  if (input.DelaySeconds !== undefined) {
    if (q.fifo) throw notForThisQueue("DelaySeconds", input.DelaySeconds);
    if (input.DelaySeconds < 0 || input.DelaySeconds > 900) {
      throw invalidValue(`Value ${input.DelaySeconds} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
    }
    delay = input.DelaySeconds;
  }
  const result: SendResult = {
    MessageId: randomUUID(),
    MD5OfMessageBody: md5Hex(body),
    MD5OfMessageAttributes: md5OfAttributes(attributes),
    MD5OfMessageSystemAttributes: md5OfAttributes(systemAttributes),
  };
  let groupId = input.MessageGroupId;
  let dedupId = input.MessageDeduplicationId;
  if (groupId !== undefined && !FIFO_ID.test(groupId)) throw invalidValue(`Value ${groupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  if (dedupId !== undefined && !FIFO_ID.test(dedupId)) throw invalidValue(`Value ${dedupId} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  if (q.fifo) {
    if (groupId === undefined) throw missingParameter("The request must contain the parameter MessageGroupId.");
    if (dedupId === undefined) {
      if (q.attributes["ContentBasedDeduplication"] !== "true") {
        throw invalidValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
      }
      dedupId = createHash("sha256").update(body).digest("hex");
    }
    const dedupKey = q.attributes["DeduplicationScope"] === "messageGroup" ? `${groupId}\u0000${dedupId}` : dedupId;
    const seen = q.dedup.get(dedupKey);
    if (seen && seen.expiresAt > now) return { result: { ...result, MessageId: seen.messageId, SequenceNumber: seen.sequenceNumber } };
    result.SequenceNumber = nextSequenceNumber(q, now);
    q.dedup.set(dedupKey, { messageId: result.MessageId, sequenceNumber: result.SequenceNumber, expiresAt: now + DEDUP_WINDOW_MS });
    dedupId = dedupKey;
  } else {
    if (dedupId !== undefined) throw notForThisQueue("MessageDeduplicationId", dedupId);
    groupId = undefined; // fair queues' groups change nothing Berth models
  }
  const message: Omit<Message, "seq"> = {
    id: result.MessageId, body, md5OfBody: result.MD5OfMessageBody, attributes, md5OfAttributes: result.MD5OfMessageAttributes,
    systemAttributes, md5OfSystemAttributes: result.MD5OfMessageSystemAttributes, sentAt: now, senderId, groupId, dedupId,
    sequenceNumber: result.SequenceNumber, visibleAt: now + delay * 1000, receiveCount: 0,
  };
  countSent(q.stats, size);
  return { message, result };
}

/** SendMessage and SendMessageBatch. */
export function sendHandlers(sqs: SqsContext): Record<string, Handler> {
  const sendMessage: Handler = async (input: SendMessageRequest, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl!);
    const now = sqs.clock.now().getTime();
    sqs.store.forgetDedup(q, now);
    const { message, result } = prepare(q, input as SendInput, ctx.account, now);
    if (message) await sqs.store.add(q, [message]);
    return result;
  };

  const sendMessageBatch: Handler = async (input: { QueueUrl: string; Entries: SendMessageBatchRequestEntry[] }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    const now = sqs.clock.now().getTime();
    const max = Number(q.attributes["MaximumMessageSize"]);
    const total = input.Entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody ?? "") + attributesSize(e.MessageAttributes as Record<string, AttributeValue>), 0);
    if (total > max) throw new ServiceError("BatchRequestTooLong", `Batch requests cannot be longer than ${max} bytes. You have sent ${total} bytes.`);
    sqs.store.forgetDedup(q, now);
    const ready: Array<Omit<Message, "seq">> = [];
    const out = batch(input.Entries, "SendMessageBatchRequestEntry", (entry) => {
      const { message, result } = prepare(q, entry as SendInput, ctx.account, now);
      if (message) ready.push(message);
      return result;
    });
    if (ready.length) await sqs.store.add(q, ready);
    return out;
  };

  return { SendMessage: sendMessage, SendMessageBatch: sendMessageBatch };
}

const attributesSize = (attrs: Record<string, AttributeValue> | undefined) =>
  Object.entries(attrs ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? "") + (v.BinaryValue?.length ?? Buffer.byteLength(v.StringValue ?? "")), 0);

/**
 * FIFO sequence numbers: large, increasing per queue (AWS's are 20-digit numbers). The clock in
 * microseconds keeps them increasing across restarts without storing a counter.
 */
function nextSequenceNumber(q: Queue, now: number): string {
  const fromClock = BigInt(now) * 1000n;
  q.lastSequence = q.lastSequence !== undefined && q.lastSequence >= fromClock ? q.lastSequence + 1n : fromClock;
  return q.lastSequence.toString().padStart(20, "1");
}
