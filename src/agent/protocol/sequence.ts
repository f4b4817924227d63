import type { Sequenced } from "./messages.js";

/**
 * The sending side of a sequenced stream: every message gets the next seq and stays until the
 * receiver acknowledges it, so it can be sent again after a lost request or a reconnect.
 */
export class Outbox<T> {
  private items: Array<Sequenced<T>> = [];
  private next = 1;

  push(body: T): number {
    const seq = this.next++;
    this.items.push({ seq, body });
    return seq;
  }

  /** Everything not yet acknowledged, oldest first. */
  pending(): Array<Sequenced<T>> {
    return [...this.items];
  }

  /** The receiver applied everything up to `seq`. */
  ack(seq: number): void {
    this.items = this.items.filter((i) => i.seq > seq);
  }

  /** The seq of the last message pushed (0 when none). */
  last(): number {
    return this.next - 1;
  }
}

/**
 * The receiving side: applies messages in seq order, exactly once. A duplicate (already
 * applied) is skipped; a gap stops the batch, so the sender resends from the first missing one.
 * `last` undefined means the stream's start is unknown (the server restarted): the first
 * message seen starts it.
 */
export class Inbox {
  constructor(public last?: number) {}

  /** Calls `apply` for each message that is next in order; returns the last seq applied. */
  async accept<T>(batch: Array<Sequenced<T>>, apply: (body: T) => void | Promise<void>): Promise<number> {
    for (const m of [...batch].sort((a, b) => a.seq - b.seq)) {
      if (this.last !== undefined && m.seq <= this.last) continue;
      if (this.last !== undefined && m.seq !== this.last + 1) break;
      await apply(m.body);
      this.last = m.seq;
    }
    return this.last ?? 0;
  }
}
