import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { invalidValue, notInflight, receiptHandleInvalid } from "./errors.js";
import { parseReceipt } from "./receive.js";
import { queueOf, type SqsContext } from "./sqs-context.js";
import type { Message, Queue } from "./queue-store.js";
import { batch } from "./batch.js";

/**
 * The message a receipt handle names in this queue; undefined when it is gone (deleted already:
 * deleting it again succeeds, as on AWS). A handle that is not one of this queue's is invalid.
 */
function messageOf(q: Queue, handle: string): Message | undefined {
  const r = parseReceipt(handle);
  if (!r || r.queueId !== q.id) throw receiptHandleInvalid(handle);
  const m = q.messages.get(r.seq);
  if (m && m.id !== r.id) throw receiptHandleInvalid(handle);
  return m;
}

/** The in-flight message a handle names, made visible again `seconds` from now. */
function changeVisibility(q: Queue, handle: string, seconds: number, now: number): Message {
  if (seconds < 0 || seconds > 43200) {
    throw invalidValue(`Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`);
  }
  const m = messageOf(q, handle);
  if (!m || m.receiveCount === 0 || m.visibleAt <= now || m.receipt !== parseReceipt(handle)!.nonce) throw notInflight();
  m.visibleAt = now + seconds * 1000;
  return m;
}

/** DeleteMessage(Batch), ChangeMessageVisibility(Batch). */
export function receiptHandlers(sqs: SqsContext): Record<string, Handler> {
  const { store, clock } = sqs;

  const deleteMessage: Handler = async (input: { QueueUrl: string; ReceiptHandle: string }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    const m = messageOf(q, input.ReceiptHandle);
    // AWS counts every deletion with a valid handle, a repeated one too.
    q.stats.deleted++;
    if (m) await store.remove(q, [m.seq]);
    return {};
  };

  const deleteMessageBatch: Handler = async (input: { QueueUrl: string; Entries: Array<{ Id: string; ReceiptHandle: string }> }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    const seqs: number[] = [];
    const out = batch(input.Entries, "DeleteMessageBatchRequestEntry", (e) => {
      const m = messageOf(q, e.ReceiptHandle);
      q.stats.deleted++;
      if (m) seqs.push(m.seq);
      return {};
    });
    if (seqs.length) await store.remove(q, seqs);
    return out;
  };

  const changeMessageVisibility: Handler = async (input: { QueueUrl: string; ReceiptHandle: string; VisibilityTimeout: number }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    const m = changeVisibility(q, input.ReceiptHandle, input.VisibilityTimeout, clock.now().getTime());
    await store.touch(q, [m]);
    if (input.VisibilityTimeout === 0) for (const wake of q.waiters) wake();
    return {};
  };

  const changeMessageVisibilityBatch: Handler = async (input: { QueueUrl: string; Entries: Array<{ Id: string; ReceiptHandle: string; VisibilityTimeout?: number }> }, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl);
    const now = clock.now().getTime();
    const changed: Message[] = [];
    const out = batch(input.Entries, "ChangeMessageVisibilityBatchRequestEntry", (e) => {
      changed.push(changeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout ?? 0, now));
      return {};
    });
    if (changed.length) await store.touch(q, changed);
    for (const wake of q.waiters) wake();
    return out;
  };

  return {
    DeleteMessage: deleteMessage, DeleteMessageBatch: deleteMessageBatch,
    ChangeMessageVisibility: changeMessageVisibility, ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
  };
}
