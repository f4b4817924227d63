/**
 * The /v2 endpoints, recognised from the raw (undecoded) request path. Repository names
 * contain slashes, so each pattern is anchored at the end and the name is what precedes the
 * endpoint's suffix, as in the reference registry. Nothing is decoded: a percent-escape can
 * only ever make a name or reference invalid, never smuggle in a '/' or '..'.
 */
export type Route =
  | { kind: "base" }
  | { kind: "catalog" }
  | { kind: "manifest"; name: string; reference: string }
  | { kind: "blob"; name: string; digest: string }
  | { kind: "uploads"; name: string }
  | { kind: "upload"; name: string; id: string }
  | { kind: "tags"; name: string }
  | { kind: "referrers"; name: string; digest: string }
  /** A path with '.' or '..' segments: never a registry path, and refused as such. */
  | { kind: "traversal" }
  | { kind: "unknown" };

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: "manifest", name: m[1]!, reference: m[2]! })],
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: "uploads", name: m[1]! })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: "upload", name: m[1]!, id: m[2]! })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: "blob", name: m[1]!, digest: m[2]! })],
  [/^(.+)\/tags\/list$/, (m) => ({ kind: "tags", name: m[1]! })],
  [/^(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: "referrers", name: m[1]!, digest: m[2]! })],
];

/** `url` is the request target as received: path and optional query. */
export function parseRoute(url: string): Route {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (path === "/v2" || path === "/v2/") return { kind: "base" };
  if (!path.startsWith("/v2/")) return { kind: "unknown" };
  if (path.split("/").some((seg) => seg === "." || seg === "..")) return { kind: "traversal" };
  const rest = path.slice(4);
  if (rest === "_catalog") return { kind: "catalog" };
  for (const [re, make] of PATTERNS) {
    const m = re.exec(rest);
    if (m) return make(m);
  }
  return { kind: "unknown" };
}
