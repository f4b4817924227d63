/**
 * The two kinds of byte range the registry reads from clients, inclusive at both ends:
 * `Range: bytes=<first>-<last>` on blob GETs (RFC 9110, single ranges only) and
 * `Content-Range: <first>-<last>` on chunked upload PATCHes (OCI's form; the RFC's
 * `bytes <first>-<last>/<total>` is accepted too, as some clients send it).
 */
export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** What a Range header asks of a blob of `size` bytes. */
export type RangeRequest =
  | { kind: "whole" }
  | { kind: "partial"; range: ByteRange }
  | { kind: "unsatisfiable" };

const DIGITS = /^\d{1,15}$/;

/**
 * Resolves a Range header against the blob's size. Headers that are not a single byte range
 * (other units, several ranges, junk) are ignored and the whole blob is served, as RFC 9110
 * lets a server do; a well-formed range that starts past the end is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "whole" };
  const m = /^bytes=([^,]*)$/.exec(header.trim());
  if (!m) return { kind: "whole" };
  const spec = m[1]!.trim();
  const dash = spec.indexOf("-");
  if (dash < 0) return { kind: "whole" };
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  if (first === "") {
    // Suffix range: the last N bytes.
    if (!DIGITS.test(last)) return { kind: "whole" };
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  if (!DIGITS.test(first) || (last !== "" && !DIGITS.test(last))) return { kind: "whole" };
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", range: { start, end } };
}

/** A PATCH's Content-Range, or undefined when it is malformed (end before start, junk). */
export function parseContentRange(header: string): ByteRange | undefined {
  const m = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(header.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end >= start ? { start, end } : undefined;
}
