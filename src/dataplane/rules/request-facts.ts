/**
 * What rule conditions look at, taken from one request. Kept separate from node:http so the rules
 * are pure functions that tests can feed directly.
 */
export interface RequestFacts {
  readonly method: string;
  /** The Host header without its port; "" when absent. */
  readonly host: string;
  /** The Host header as sent, port included; "" when absent (regex host conditions read it). */
  readonly hostHeader: string;
  /** The path part of the request target, without the query string. */
  readonly path: string;
  /** The raw query string, without the leading "?"; "" when absent. */
  readonly query: string;
  /** Header values by lower-case name, each occurrence separately, in request order. */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  /** The client's address as the listener's socket saw it. */
  readonly sourceIp: string;
  /** The listener's protocol and port, for redirects. */
  readonly protocol: "HTTP" | "HTTPS";
  readonly port: number;
}

/** Splits a request target ("/a/b?x=1") and a Host header ("example.com:8080") into facts. */
export function splitTarget(target: string): { path: string; query: string } {
  const hash = target.indexOf("#");
  const bare = hash === -1 ? target : target.slice(0, hash);
  const q = bare.indexOf("?");
  return q === -1 ? { path: bare, query: "" } : { path: bare.slice(0, q), query: bare.slice(q + 1) };
}

export function hostWithoutPort(hostHeader: string | undefined): string {
  if (!hostHeader) return "";
  if (hostHeader.startsWith("[")) {
    const end = hostHeader.indexOf("]");
    return end === -1 ? hostHeader : hostHeader.slice(0, end + 1);
  }
  const colon = hostHeader.lastIndexOf(":");
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}
