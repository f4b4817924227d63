import { invalidParameter } from "../core/errors.js";

/**
 * ECS list operations page with an opaque nextToken. Ours is base64url of the position after
 * the last item returned (an index into a stable ordering), so it survives restarts.
 */
export function paginate<T>(items: T[], { maxResults, nextToken }: { maxResults?: number; nextToken?: string }, { defaultMax = 100, limit = 100 } = {}) {
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > limit)) {
    throw invalidParameter(`maxResults must be between 1 and ${limit}.`);
  }
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = /^[A-Za-z0-9_-]+$/.test(nextToken) ? Buffer.from(nextToken, "base64url").toString("utf8") : "";
    const m = /^berth:(\d{1,15})$/.exec(decoded);
    if (!m) throw invalidParameter("Invalid token.");
    start = Number(m[1]);
  }
  const size = maxResults ?? defaultMax;
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return { page, nextToken: end < items.length ? Buffer.from(`berth:${end}`).toString("base64url") : undefined };
}
