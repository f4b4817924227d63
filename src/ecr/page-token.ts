import { invalidParameter } from "./errors.js";

/**
 * Opaque nextToken values: the sort key of the last item a page returned, so the next page
 * starts after it even when items were added or removed in between (an offset would skip or
 * repeat). The key is the client's to hold, never to read.
 */
export type PageKey = Array<string | number>;

export const encodePageToken = (key: PageKey): string => Buffer.from(JSON.stringify({ k: key })).toString("base64url");

export function decodePageToken(token: string): PageKey {
  try {
    const { k } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { k?: unknown };
    if (Array.isArray(k) && k.length > 0 && k.length <= 8 && k.every((x) => typeof x === "string" || typeof x === "number")) return k as PageKey;
  } catch {
    /* fall through */
  }
  throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'The token is not one this service issued.'");
}

/** Lexicographic order of two keys of the same shape. */
export function compareKeys(a: PageKey, b: PageKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return a.length - b.length;
}

/**
 * One page of `items` (already in key order) after the token's key: at most `limit`, with a
 * token for the next page when more remain.
 */
export function paginate<T>(items: T[], keyOf: (item: T) => PageKey, { nextToken, limit }: { nextToken?: string; limit: number }): { page: T[]; nextToken?: string } {
  const after = nextToken === undefined ? undefined : decodePageToken(nextToken);
  const rest = after === undefined ? items : items.filter((item) => compareKeys(keyOf(item), after) > 0);
  const page = rest.slice(0, limit);
  return { page, nextToken: rest.length > limit ? encodePageToken(keyOf(page[page.length - 1]!)) : undefined };
}
