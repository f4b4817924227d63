import { Worker } from "node:worker_threads";
import type { Db } from "../store/database.js";
import { applyOps, type WriteOp } from "./sqs-write-ops.js";

type Waiter = { done: (err?: unknown) => void };

/**
 * Group commit: SQS's writes (send, receive and delete each write) that arrive while the previous
 * group is being committed go together in the next transaction, so the fsync an acknowledged
 * write needs (synchronous=FULL) is paid once per group rather than once per request. The
 * transactions run on a writer thread (sqs-writer-thread.ts) with its own connection, so the
 * event loop keeps taking requests during the fsync, and the next group fills meanwhile. Each
 * caller's promise settles once the transaction holding its write committed; writes keep their
 * order. An in-memory database (no file another connection could open) is written in place.
 */
export class GroupCommit {
  private pending: WriteOp[] = [];
  private waiters: Waiter[] = [];
  private inFlight = false;
  private scheduled = false;
  private nextId = 1;
  private readonly worker?: Worker;
  private readonly replies = new Map<number, Waiter[]>();

  constructor(private readonly db: Db) {
    if (!db.memory) {
      this.worker = new Worker(new URL("./sqs-writer-thread.js", import.meta.url), { workerData: { path: db.name } });
      this.worker.unref();
      this.worker.on("message", ({ id, error }: { id: number; error?: string }) => {
        const group = this.replies.get(id) ?? [];
        this.replies.delete(id);
        this.inFlight = false;
        for (const w of group) w.done(error === undefined ? undefined : new Error(`SQS write failed: ${error}`));
        if (this.pending.length || this.waiters.length) this.flush();
      });
      this.worker.on("error", (err) => {
        this.inFlight = false;
        for (const group of this.replies.values()) for (const w of group) w.done(err);
        this.replies.clear();
      });
    }
  }

  run(ops: WriteOp[]): Promise<void> {
    return new Promise((resolve, reject) => {
      for (const op of ops) this.pending.push(op);
      this.waiters.push({ done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.inFlight && !this.scheduled) {
        this.scheduled = true;
        // Writes made in the same turn of the event loop join this group.
        setImmediate(() => {
          this.scheduled = false;
          if (!this.inFlight) this.flush();
        });
      }
    });
  }

  /** Stops the writer thread once everything asked for is written. */
  async close(): Promise<void> {
    await this.run([]);
    await this.worker?.terminate();
  }

  private flush(): void {
    const ops = this.pending;
    const group = this.waiters;
    this.pending = [];
    this.waiters = [];
    if (group.length === 0) return;
    if (!this.worker) {
      try {
        this.db.transaction(() => applyOps(this.db, ops))();
      } catch (err) {
        for (const w of group) w.done(err);
        return;
      }
      for (const w of group) w.done();
      return;
    }
    const id = this.nextId++;
    this.inFlight = true;
    this.replies.set(id, group);
    this.worker.postMessage({ id, ops });
  }
}
