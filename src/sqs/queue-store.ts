import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { GroupCommit } from "../store/group-commit.js";
import type { AttributeValue } from "./message-md5.js";
import { newQueueStats, type QueueStats } from "./queue-stats.js";

/** One message as SQS keeps it. `seq` orders a queue's messages (arrival order). */
export interface Message {
  seq: number;
  id: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, AttributeValue>;
  md5OfAttributes?: string;
  /** AWSTraceHeader, the only system attribute a sender may set. */
  systemAttributes: Record<string, AttributeValue>;
  md5OfSystemAttributes?: string;
  sentAt: number;
  senderId: string;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  /** Set when the message came from a source queue by redrive. */
  deadLetterSourceArn?: string;
  // The mutable part: when it may be received again, how often it was, and its current receipt.
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  receipt?: string;
}

export interface Queue {
  id: number;
  account: string;
  region: string;
  name: string;
  arn: string;
  fifo: boolean;
  createdAt: number;
  modifiedAt: number;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** In arrival order (a Map keeps insertion order, and seq only grows). */
  messages: Map<number, Message>;
  nextSeq: number;
  /** FIFO: deduplication ids seen in the last five minutes. */
  dedup: Map<string, { messageId: string; sequenceNumber?: string; expiresAt: number }>;
  /** Long polls waiting for a message to arrive. */
  waiters: Set<() => void>;
  purgedAt?: number;
  /** FIFO: the last SequenceNumber given (send.ts). */
  lastSequence?: bigint;
  /** Counted since the queue's metrics were last published (sqs-metrics.ts). */
  stats: QueueStats;
}

const key = (scope: Scope, name: string) => `${scope.account}/${scope.region}/${name}`;

/**
 * SQS's state: every queue and message in memory, where receives choose messages (quickly, and
 * without two receivers ever taking the same one), and in the database, written through group
 * commit before any change is acknowledged, so an acknowledged send, delete or receive survives
 * kill -9. Loaded back whole at startup.
 */
export class QueueStore {
  private readonly queues = new Map<string, Queue>();
  readonly commit: GroupCommit;
  constructor(private readonly db: Db) {
    this.commit = new GroupCommit(db);
    this.load();
  }

  get(scope: Scope, name: string): Queue | undefined {
    return this.queues.get(key(scope, name));
  }

  byArn(arn: string): Queue | undefined {
    const [, , , region, account, name] = arn.split(":");
    return region && account && name ? this.queues.get(`${account}/${region}/${name}`) : undefined;
  }

  list(scope: Scope): Queue[] {
    return [...this.queues.values()].filter((q) => q.account === scope.account && q.region === scope.region).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  all(): IterableIterator<Queue> {
    return this.queues.values();
  }

  /** Created at once (queue changes are rare): the queue needs its row id before it takes messages. */
  create(q: Omit<Queue, "id" | "messages" | "nextSeq" | "dedup" | "waiters" | "stats">): Queue {
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO sqs_queues (account, region, name, created_at, doc) VALUES (?, ?, ?, ?, ?)")
      .run(q.account, q.region, q.name, q.createdAt, docOf(q));
    const queue: Queue = { ...q, id: Number(lastInsertRowid), messages: new Map(), nextSeq: 1, dedup: new Map(), waiters: new Set(), stats: newQueueStats() };
    this.queues.set(key(q, q.name), queue);
    return queue;
  }

  saveQueue(q: Queue): Promise<void> {
    return this.commit.run(() => this.db.prepare("UPDATE sqs_queues SET doc = ? WHERE id = ?").run(docOf(q), q.id));
  }

  delete(q: Queue): Promise<void> {
    this.queues.delete(key(q, q.name));
    for (const wake of q.waiters) wake();
    return this.commit.run(() => {
      for (const t of ["sqs_messages", "sqs_dedup"]) this.db.prepare(`DELETE FROM ${t} WHERE queue_id = ?`).run(q.id);
      this.db.prepare("DELETE FROM sqs_queues WHERE id = ?").run(q.id);
    });
  }

  /**
   * Adds messages to the queue now (receivers may take them) and resolves once they are stored.
   * `alongside` is a caller's write committed in the same transaction (EventBridge removes the
   * delivery it came from: one commit instead of two, and no second delivery after a crash).
   */
  add(q: Queue, messages: Array<Omit<Message, "seq">>, alongside?: () => void): Promise<void> {
    const added = messages.map((m) => ({ ...m, seq: q.nextSeq++ }));
    for (const m of added) q.messages.set(m.seq, m);
    for (const wake of q.waiters) wake();
    return this.commit.run(() => {
      // db.prepare hands back the statement compiled once per SQL text (store/database.ts).
      const insert = this.db.prepare("INSERT INTO sqs_messages (queue_id, seq, id, doc, visible_at, receive_count, first_receive, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      const dedup = this.db.prepare("INSERT OR REPLACE INTO sqs_dedup (queue_id, dedup_id, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?)");
      for (const m of added) {
        if (!q.messages.has(m.seq)) continue; // deleted (or purged) before it was written
        insert.run(q.id, m.seq, m.id, messageDoc(m), m.visibleAt, m.receiveCount, m.firstReceiveAt ?? null, m.receipt ?? null);
        const d = m.dedupId !== undefined ? q.dedup.get(m.dedupId) : undefined;
        if (d) dedup.run(q.id, m.dedupId, d.messageId, d.sequenceNumber ?? null, d.expiresAt);
      }
      alongside?.();
    });
  }

  /** Stores the mutable part of messages (visibility, receive count, receipt) already changed in memory. */
  touch(q: Queue, messages: Message[]): Promise<void> {
    return this.commit.run(() => {
      const update = this.db.prepare("UPDATE sqs_messages SET visible_at = ?, receive_count = ?, first_receive = ?, receipt = ? WHERE queue_id = ? AND seq = ?");
      for (const m of messages) update.run(m.visibleAt, m.receiveCount, m.firstReceiveAt ?? null, m.receipt ?? null, q.id, m.seq);
    });
  }

  /** Removes messages now and resolves once the removal is stored. */
  remove(q: Queue, seqs: number[]): Promise<void> {
    for (const s of seqs) q.messages.delete(s);
    return this.commit.run(() => {
      const del = this.db.prepare("DELETE FROM sqs_messages WHERE queue_id = ? AND seq = ?");
      for (const s of seqs) del.run(q.id, s);
    });
  }

  purge(q: Queue): Promise<void> {
    q.messages.clear();
    return this.commit.run(() => this.db.prepare("DELETE FROM sqs_messages WHERE queue_id = ?").run(q.id));
  }

  /** Resolves once every write asked for so far is stored. */
  settled(): Promise<void> {
    return this.commit.run(() => undefined);
  }

  /**
   * Forgets the queues in memory and reads them again from the database (after /_berth/reset
   * wiped it). Long polls on the forgotten queues wake and find their queue gone.
   */
  reload(): void {
    const old = [...this.queues.values()];
    this.queues.clear();
    for (const q of old) for (const wake of q.waiters) wake();
    this.load();
  }

  forgetDedup(q: Queue, now: number): void {
    for (const [id, d] of q.dedup) if (d.expiresAt <= now) q.dedup.delete(id);
  }

  private load(): void {
    const rows = this.db.prepare("SELECT id, account, region, name, created_at, doc FROM sqs_queues").all() as Array<{ id: number; account: string; region: string; name: string; created_at: number; doc: string }>;
    for (const r of rows) {
      const doc = JSON.parse(r.doc) as Pick<Queue, "arn" | "fifo" | "modifiedAt" | "attributes" | "tags">;
      const q: Queue = { id: r.id, account: r.account, region: r.region, name: r.name, createdAt: r.created_at, ...doc, messages: new Map(), nextSeq: 1, dedup: new Map(), waiters: new Set(), stats: newQueueStats() };
      this.queues.set(key(q, q.name), q);
      const messages = this.db.prepare("SELECT seq, id, doc, visible_at, receive_count, first_receive, receipt FROM sqs_messages WHERE queue_id = ? ORDER BY seq").all(q.id) as MessageRow[];
      for (const m of messages) q.messages.set(m.seq, fromRow(m));
      q.nextSeq = (messages.at(-1)?.seq ?? 0) + 1;
      const dedups = this.db.prepare("SELECT dedup_id, message_id, sequence_number, expires_at FROM sqs_dedup WHERE queue_id = ?").all(q.id) as Array<{ dedup_id: string; message_id: string; sequence_number: string | null; expires_at: number }>;
      for (const d of dedups) q.dedup.set(d.dedup_id, { messageId: d.message_id, sequenceNumber: d.sequence_number ?? undefined, expiresAt: d.expires_at });
    }
  }
}

interface MessageRow { seq: number; id: string; doc: string; visible_at: number; receive_count: number; first_receive: number | null; receipt: string | null }

const docOf = (q: Pick<Queue, "arn" | "fifo" | "modifiedAt" | "attributes" | "tags">) =>
  JSON.stringify({ arn: q.arn, fifo: q.fifo, modifiedAt: q.modifiedAt, attributes: q.attributes, tags: q.tags });

/** The immutable part of a message; binary attribute values as base64. */
function messageDoc(m: Message): string {
  const { seq: _s, visibleAt: _v, receiveCount: _r, firstReceiveAt: _f, receipt: _x, ...rest } = m;
  // A replacer makes JSON.stringify call back into JavaScript for every key: only when needed.
  return hasBinary(m.attributes) || hasBinary(m.systemAttributes) ? JSON.stringify(rest, binaryAsBase64) : JSON.stringify(rest);
}

const hasBinary = (attributes: Record<string, AttributeValue>) => {
  for (const name in attributes) if (attributes[name]!.BinaryValue !== undefined) return true;
  return false;
};

/** Uses the raw value (this[k]): a Buffer's toJSON would run before the replacer saw it. */
function binaryAsBase64(this: Record<string, unknown>, k: string, v: unknown): unknown {
  const raw = this[k];
  return raw instanceof Uint8Array ? { $b64: Buffer.from(raw).toString("base64") } : v;
}

function fromRow(r: MessageRow): Message {
  const rest = JSON.parse(r.doc, (_k, v: unknown) =>
    v !== null && typeof v === "object" && "$b64" in v ? Buffer.from((v as { $b64: string }).$b64, "base64") : v) as Omit<Message, "seq" | "visibleAt" | "receiveCount">;
  return { ...rest, seq: r.seq, visibleAt: r.visible_at, receiveCount: r.receive_count, firstReceiveAt: r.first_receive ?? undefined, receipt: r.receipt ?? undefined };
}
