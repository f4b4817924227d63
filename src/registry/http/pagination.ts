import { OciError } from "./oci-errors.js";

/** Largest page of tags or repositories one response carries, whatever `n` asks for. */
export const MAX_PAGE = 1000;

/** `n` and `last` from a listing's query; a bad `n` is PAGINATION_NUMBER_INVALID. */
export function pageParams(query: Record<string, unknown>): { n: number; last?: string } {
  const rawN = first(query.n);
  const last = first(query.last);
  if (rawN === undefined || rawN === "") return { n: MAX_PAGE, last: last || undefined };
  if (!/^\d{1,9}$/.test(rawN)) throw new OciError("PAGINATION_NUMBER_INVALID", `invalid number of results requested: ${rawN.slice(0, 20)}`);
  return { n: Math.min(Number(rawN), MAX_PAGE), last: last || undefined };
}

/** The RFC 5988 Link header that points at the next page. */
export function nextLink(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}

/** The first string value of a query parameter (repeated parameters arrive as arrays). */
export function first(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return undefined;
}
