import { randomBytes } from "node:crypto";
import type { ReceiveMessageRequest } from "@aws-sdk/client-sqs";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { invalidValue } from "./errors.js";
import { md5OfAttributes, type AttributeValue } from "./message-md5.js";
import { redrivePolicy } from "./queue-attributes.js";
import { queueOf, type SqsContext } from "./sqs-context.js";
import type { Message, Queue } from "./queue-store.js";

const SYSTEM_ATTRIBUTES = [
  "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
  "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn",
];

/** What one receive chose, and when the next message becomes visible (for a long poll's timer). */
interface Taken {
  messages: Message[];
  nextVisibleAt?: number;
}

/**
 * Chooses up to `max` visible messages in arrival order and makes them invisible for `visibility`
 * seconds, in memory at once (so no other receiver takes them). On the way: messages past their
 * retention are dropped, and a message received maxReceiveCount times already moves to the
 * dead-letter queue instead. FIFO: a message group with a message in flight (or a delayed head)
 * is skipped entirely, so each group is delivered in order, one batch at a time.
 */
function take(sqs: SqsContext, q: Queue, max: number, visibility: number, now: number): Taken {
  const retentionMs = Number(q.attributes["MessageRetentionPeriod"]) * 1000;
  const policy = redrivePolicy(q.attributes);
  const dlq = policy ? sqs.store.byArn(policy.deadLetterTargetArn) : undefined;
  const expired: number[] = [];
  const redriven: Message[] = [];
  const locked = new Set<string>();
  if (q.fifo) for (const m of q.messages.values()) if (m.receiveCount > 0 && m.visibleAt > now && m.groupId !== undefined) locked.add(m.groupId);
  const messages: Message[] = [];
  let nextVisibleAt: number | undefined;
  for (const m of q.messages.values()) {
    if (messages.length >= max) break;
    if (m.sentAt + retentionMs <= now) {
      expired.push(m.seq);
      continue;
    }
    if (m.groupId !== undefined && locked.has(m.groupId)) continue;
    if (m.visibleAt > now) {
      nextVisibleAt = Math.min(nextVisibleAt ?? Infinity, m.visibleAt);
      if (q.fifo && m.groupId !== undefined) locked.add(m.groupId);
      continue;
    }
    if (policy && dlq && m.receiveCount >= policy.maxReceiveCount) {
      redriven.push(m);
      continue;
    }
    m.receiveCount++;
    m.firstReceiveAt ??= now;
    m.visibleAt = now + visibility * 1000;
    m.receipt = randomBytes(12).toString("base64url");
    messages.push(m);
  }
  if (expired.length) void sqs.store.remove(q, expired).catch(() => undefined);
  if (redriven.length && dlq) {
    void sqs.store.remove(q, redriven.map((m) => m.seq)).catch(() => undefined);
    void sqs.store.add(dlq, redriven.map(({ seq: _s, ...m }) => ({ ...m, deadLetterSourceArn: q.arn, visibleAt: now, receipt: undefined }))).catch(() => undefined);
  }
  return { messages, nextVisibleAt };
}

/** A receipt handle: the queue's id, the message's place and id, and a nonce for this receive. */
export const receiptHandle = (q: Queue, m: Message) => Buffer.from(`${q.id}:${m.seq}:${m.id}:${m.receipt}`).toString("base64url");

export function parseReceipt(handle: string): { queueId: number; seq: number; id: string; nonce: string } | undefined {
  const parts = Buffer.from(handle, "base64url").toString().split(":");
  if (parts.length !== 4) return undefined;
  const [queueId, seq, id, nonce] = parts as [string, string, string, string];
  if (!/^\d+$/.test(queueId) || !/^\d+$/.test(seq)) return undefined;
  return { queueId: Number(queueId), seq: Number(seq), id, nonce };
}

/** Message attributes by the names asked for: exact names, `All`, `.*`, and prefixes `name.*`. */
function selectAttributes(all: Record<string, AttributeValue>, names: string[]): Record<string, AttributeValue> {
  if (names.some((n) => n === "All" || n === ".*")) return all;
  const prefixes = names.filter((n) => n.endsWith(".*")).map((n) => n.slice(0, -1));
  return Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k) || prefixes.some((p) => k.startsWith(p))));
}

function systemAttributes(m: Message, names: Set<string>): Record<string, string> {
  const all = names.has("All");
  const values: Record<string, string | undefined> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
    SequenceNumber: m.sequenceNumber,
    MessageDeduplicationId: m.dedupId?.includes("\u0000") ? m.dedupId.split("\u0000")[1] : m.dedupId,
    MessageGroupId: m.groupId,
    AWSTraceHeader: m.systemAttributes["AWSTraceHeader"]?.StringValue,
    DeadLetterQueueSourceArn: m.deadLetterSourceArn,
  };
  const out: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTES) if ((all || names.has(name)) && values[name] !== undefined) out[name] = values[name]!;
  return out;
}

function checkRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (value < min || value > max)) {
    throw invalidValue(`Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`);
  }
}

/** ReceiveMessage, with long polling that wakes as soon as a message arrives or becomes visible. */
export function receiveHandlers(sqs: SqsContext): Record<string, Handler> {
  const receiveMessage: Handler = async (input: ReceiveMessageRequest, ctx: RequestContext) => {
    const q = queueOf(sqs, ctx, input.QueueUrl!);
    checkRange("MaxNumberOfMessages", input.MaxNumberOfMessages, 1, 10);
    checkRange("WaitTimeSeconds", input.WaitTimeSeconds, 0, 20);
    checkRange("VisibilityTimeout", input.VisibilityTimeout, 0, 43200);
    const max = input.MaxNumberOfMessages ?? 1;
    const visibility = input.VisibilityTimeout ?? Number(q.attributes["VisibilityTimeout"]);
    const waitMs = (input.WaitTimeSeconds ?? Number(q.attributes["ReceiveMessageWaitTimeSeconds"])) * 1000;
    const deadline = Date.now() + waitMs;
    let taken = take(sqs, q, max, visibility, sqs.clock.now().getTime());
    while (taken.messages.length === 0 && Date.now() < deadline && sqs.store.get(q, q.name) === q) {
      const until = Math.min(deadline, taken.nextVisibleAt !== undefined ? Date.now() + Math.max(0, taken.nextVisibleAt - sqs.clock.now().getTime()) : deadline);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          q.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(0, until - Date.now()));
        q.waiters.add(wake);
      });
      taken = take(sqs, q, max, visibility, sqs.clock.now().getTime());
    }
    if (taken.messages.length === 0) {
      q.stats.emptyReceives++;
      return {};
    }
    q.stats.received += taken.messages.length;
    await sqs.store.touch(q, taken.messages);
    const systemNames = new Set([...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])] as string[]);
    return {
      Messages: taken.messages.map((m) => {
        const attributes = selectAttributes(m.attributes, input.MessageAttributeNames ?? []);
        const system = systemAttributes(m, systemNames);
        return {
          MessageId: m.id,
          ReceiptHandle: receiptHandle(q, m),
          MD5OfBody: m.md5OfBody,
          Body: m.body,
          ...(Object.keys(system).length ? { Attributes: system } : {}),
          // All of them (the usual ask): the digest computed when the message was sent.
          ...(Object.keys(attributes).length ? { MessageAttributes: attributes, MD5OfMessageAttributes: attributes === m.attributes && m.md5OfAttributes ? m.md5OfAttributes : md5OfAttributes(attributes) } : {}),
        };
      }),
    };
  };
  return { ReceiveMessage: receiveMessage };
}
