/**
 * In-process leases that keep garbage collection and pushes of the same blob apart (see
 * "Garbage collection" in docs/registry.md).
 *
 * - A writer (a blob upload, an upload commit, a mount, an upload session's append) `hold`s
 *   the key (a digest, or `upload:<id>`) from before it looks at or writes the bytes until it
 *   has committed the row that makes them referenced. Writers of one key share it.
 * - The collector `condemn`s a key to delete it: only when no writer holds it (otherwise it
 *   skips the key this round), and a writer arriving meanwhile waits until the delete is over,
 *   then starts from scratch (and so re-writes bytes the collector removed).
 * Everything here happens between awaits on one thread, so a check and the mark it leads to
 * cannot be separated by another request. Berth is one process per data directory; a second
 * process would need these leases in the database instead.
 */
export class BlobLeases {
  private readonly writers = new Map<string, number>();
  private readonly deleting = new Map<string, Promise<void>>();

  /** Runs `fn` holding `key`, after any delete of it in progress has finished. */
  async hold<T>(key: string, fn: () => Promise<T>): Promise<T> {
    for (let pending = this.deleting.get(key); pending; pending = this.deleting.get(key)) await pending;
    this.writers.set(key, (this.writers.get(key) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = this.writers.get(key)! - 1;
      if (n === 0) this.writers.delete(key);
      else this.writers.set(key, n);
    }
  }

  /**
   * Runs the collector's `fn` for `key` unless a writer holds it or another delete of it is in
   * progress (then undefined: try again next round). Writers wait while `fn` runs.
   */
  async condemn<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.writers.has(key) || this.deleting.has(key)) return undefined;
    let done!: () => void;
    this.deleting.set(key, new Promise<void>((resolve) => (done = resolve)));
    try {
      return await fn();
    } finally {
      this.deleting.delete(key);
      done();
    }
  }

  /** Whether a writer holds `key` now (for tests and reports). */
  isHeld(key: string): boolean {
    return this.writers.has(key);
  }
}

/** Upload sessions share the lease table with digests; a session's key cannot be a digest. */
export const uploadKey = (id: string) => `upload:${id}`;
