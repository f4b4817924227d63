import type { Db } from "./database.js";

/**
 * Group commit on the main connection: writes that arrive in the same turn of the event loop run
 * together in one transaction, so a commit's cost is paid once per group (the fsync an acknowledged
 * write needs is DurableAnswers', shared by every answer waiting: durable-answers.ts). Each caller's promise settles once the transaction holding its write committed;
 * a write that throws fails the whole group (each caller gets the error), and writes keep their order.
 * Used by SQS (send, receive and delete each write) and EventBridge's PutEvents.
 */
export class GroupCommit {
  private pending: Array<{ write: () => void; done: (err?: unknown) => void }> = [];
  /** Made once: better-sqlite3's transaction() builds five wrapper functions each time it is called. */
  private readonly writeAll: (group: Array<{ write: () => void }>) => void;

  constructor(db: Db) {
    this.writeAll = db.transaction((group: Array<{ write: () => void }>) => {
      for (const g of group) g.write();
    });
  }

  run(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ write, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    try {
      this.writeAll(group);
    } catch (err) {
      for (const g of group) g.done(err);
      return;
    }
    for (const g of group) g.done();
  }
}
