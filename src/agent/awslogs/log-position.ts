/**
 * Where a container's shipped output has got to, in the engine's own terms, for each of stdout
 * and stderr: the timestamp the engine gave the last line shipped (nanoseconds since the epoch) and
 * how many lines with that very timestamp were shipped (two lines can share one). Per stream,
 * because the engine stamps each stream as it copies it: within a stream times only grow, but an
 * stderr line can be stamped a little before stdout lines the log holds ahead of it. A stream's
 * position is a fixed-width string, so positions compare as strings. The engine's logs API resumes
 * from a timestamp (`since`, inclusive); the counts skip what was already shipped.
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

/** A stream with nothing shipped yet. */
export const NOTHING = encodePosition({ ns: 0n, n: 0 });

/** An event's position: both streams' positions once the event's last line was read, and which chunk of that line it ends with (log-event-builder.ts). */
export interface EventPosition {
  out: string;
  err: string;
  chunk: number;
}

export const formatEventPosition = ({ out, err, chunk }: EventPosition): string => `${out}|${err}|${String(chunk).padStart(4, "0")}`;

export function parseEventPosition(s: string): EventPosition {
  const [out, err, chunk] = s.split("|");
  return { out: out!, err: err!, chunk: Number(chunk) };
}

/** The event at `event` was stored already when the store's position is `stored`. */
export function isShipped(event: string, stored: string | undefined): boolean {
  if (stored === undefined) return false;
  const e = parseEventPosition(event);
  const s = parseEventPosition(stored);
  if (e.out > s.out || e.err > s.err) return false;
  return e.out < s.out || e.err < s.err || e.chunk <= s.chunk;
}

/**
 * How far before the earliest stored position reading resumes: the engine's stamps of the two
 * streams can disagree with the order of its log by the time its copiers take, far less than this.
 */
export const RESUME_MARGIN_NS = 60_000_000_000n;

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
