import { closeSync, fdatasync, openSync, constants } from "node:fs";
import type { Db } from "./database.js";

/**
 * Acknowledged writes are on disk before their answer leaves, without the event loop waiting for
 * the disk. The database runs WAL with synchronous=NORMAL (database.ts): a commit appends to the
 * WAL in the operating system's cache, which kill -9 of the server cannot lose, and SQLite does not
 * fsync at commit. Before an answer that follows a write is sent, `settled()` fdatasyncs the WAL on
 * libuv's thread pool; one fdatasync covers every commit made before it started, so every answer
 * waiting at that moment shares it (group commit for the whole server, whatever wrote).
 *
 * Why this keeps synchronous=FULL's promise: SQLite documents WAL + NORMAL as safe from corruption
 * on power loss, losing at most the last commits; those commits' answers are still waiting here,
 * so what can be lost was never acknowledged. Checkpoints sync the WAL and the database themselves.
 *
 * "Since a write" is SQLite's total_changes(): every row this connection inserted, updated or
 * deleted (the server's one connection is the only writer; see until-write.ts). An answer is held
 * when the count moved past what the last fdatasync covered, whoever moved it, so a read that saw
 * another request's fresh write waits for that write's sync too.
 */
export class DurableAnswers {
  private readonly changes: () => number;
  /** total_changes() the last completed fdatasync covered. */
  private durable: number;
  private syncing = false;
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (err: unknown) => void }> = [];
  private fd: number | undefined;

  /** `sync` is fs.fdatasync; tests count or fail it. */
  constructor(db: Db, walPath: string, private readonly syncFile: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void = fdatasync) {
    // The statement is db.prepare's shared one (until-write.ts asks the same), so its mode stays as it is.
    const statement = db.prepare("SELECT total_changes() AS n");
    this.changes = () => (statement.get() as { n: number }).n;
    // The WAL exists once the database was written (migrations write user_version); created here
    // otherwise, which SQLite takes as an empty WAL. An fsync of any descriptor syncs the file.
    this.fd = openSync(walPath, constants.O_WRONLY | constants.O_CREAT, 0o600);
    this.durable = this.changes();
  }

  /** Undefined when nothing written since the last sync (no promise, no tick); else when it is on disk. */
  settled(): Promise<void> | undefined {
    const now = this.changes();
    if (now <= this.durable) return undefined;
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo: now, resolve, reject });
      if (!this.syncing) this.sync();
    });
  }

  private sync(): void {
    if (this.fd === undefined) return this.fail(new Error("the database is closed"));
    this.syncing = true;
    // Every commit so far is complete (better-sqlite3's transactions are synchronous), so this
    // sync covers them all, including ones whose answers ask after it started.
    const upTo = this.changes();
    this.syncFile(this.fd, (err) => {
      this.syncing = false;
      if (err) return this.fail(err);
      this.durable = Math.max(this.durable, upTo);
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) {
        if (w.upTo <= this.durable) w.resolve();
        else this.waiters.push(w);
      }
      if (this.waiters.length > 0) this.sync();
    });
  }

  /**
   * A failed fdatasync: the answers waiting cannot say their writes are safe, so they fail (500).
   * (The next sync may succeed without the lost pages; only these answers are affected.)
   */
  private fail(err: unknown): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.reject(err);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
