import { ServiceError } from "../core/errors.js";

/**
 * MaxResults (at most 50, AWS's default) and NextToken over a listing already in order. The
 * token is the position, opaque to the caller; one that does not parse is InvalidNextTokenException.
 */
export function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, max = 50): { items: T[]; NextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    start = Number(Buffer.from(nextToken, "base64url").toString());
    if (!Number.isInteger(start) || start < 0) throw new ServiceError("InvalidNextTokenException", "Invalid token");
  }
  const size = Math.min(maxResults ?? max, max);
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString("base64url") : undefined;
  return next === undefined ? { items: slice } : { items: slice, NextToken: next };
}
