/**
 * Where a container's shipped output has got to, in the engine's own terms: the timestamp the
 * engine gave the last line shipped (nanoseconds since the epoch) and how many lines with that very
 * timestamp were shipped (two lines can share one). Encoded as a fixed-width string, so positions
 * compare as strings and travel and store as one value. The engine's logs API resumes from a
 * timestamp (`since`, inclusive), and the count skips what was already shipped at that instant.
 */
export interface Position {
  /** Nanoseconds since the epoch. */
  ns: bigint;
  /** Lines with timestamp `ns` shipped so far (1 = the first line at that instant). */
  n: number;
}

export function encodePosition({ ns, n }: Position): string {
  return `${ns.toString().padStart(20, "0")}:${String(n).padStart(10, "0")}`;
}

export function decodePosition(s: string): Position {
  const [ns, n] = s.split(":");
  return { ns: BigInt(ns!), n: Number(n) };
}

/** The logs API's `since`: seconds and nanoseconds ("1700000000.000000123"). */
export function sinceOf(p: Position | undefined): string {
  if (!p) return "0";
  const s = p.ns / 1_000_000_000n;
  const frac = p.ns % 1_000_000_000n;
  return `${s}.${frac.toString().padStart(9, "0")}`;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** An engine timestamp (RFC 3339 with up to nanoseconds) in nanoseconds since the epoch; undefined if it is not one. */
export function parseEngineTime(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/**
 * Numbers lines as they arrive from the engine (which resumes at `since` = from.ns, inclusive) and
 * says which come after `from`, the position already shipped.
 */
export class PositionCounter {
  private last: Position | undefined;

  constructor(private readonly from: Position | undefined) {}

  /** The position of the next line, stamped `ns`; undefined when it was shipped before. */
  next(ns: bigint): Position | undefined {
    const n = this.last && this.last.ns === ns ? this.last.n + 1 : 1;
    this.last = { ns, n };
    return this.from && comparePositions(this.last, this.from) <= 0 ? undefined : this.last;
  }
}

export function comparePositions(a: Position, b: Position): number {
  return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.n - b.n;
}
