import type { Db } from "./database.js";

/** Distinct keys kept per memoized read; the oldest is dropped past it. */
const MAX_KEYS = 256;

/**
 * Memoizes a read of the database until the next write. SQLite's total_changes() counts every
 * row this connection has inserted, updated or deleted (about 0.4 µs to ask, no read lock taken);
 * the server's connection is the only one that writes the tables these reads read (SQS's writer
 * thread has a connection of its own, for SQS's tables only), so while that count stands still,
 * every read answers as it did. Answers are deep-frozen: callers share them.
 *
 * For hot, cheap-to-key reads whose cost is mostly SQLite's per-statement and per-transaction
 * overhead (DescribeClusters: four statements in a read transaction, a third of its server time).
 * A read must depend on the database and its arguments only, never on the clock.
 */
export function untilWrite<A extends unknown[], R>(db: Db, keyOf: (...args: A) => string, read: (...args: A) => R): (...args: A) => R {
  const changes = db.prepare("SELECT total_changes() AS n");
  let generation = -1;
  const answers = new Map<string, R>();
  return (...args: A) => {
    const now = (changes.get() as { n: number }).n;
    if (now !== generation) {
      answers.clear();
      generation = now;
    }
    const key = keyOf(...args);
    const known = answers.get(key);
    if (known !== undefined) return known;
    const answer = deepFreeze(read(...args));
    if (answers.size >= MAX_KEYS) answers.delete(answers.keys().next().value!);
    answers.set(key, answer);
    return answer;
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
