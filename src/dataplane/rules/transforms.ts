import type { RewriteConfig, RuleTransform } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ruleRegex } from "./rule-regex.js";

/** What a rule's transforms rewrite: the Host header as sent, and the request target (path and query). */
export interface Rewritable {
  readonly host: string | undefined;
  readonly url: string;
}

/**
 * A forwarded request after its rule's transforms (ALB's host-header-rewrite and url-rewrite).
 * The rule was chosen on the original request: rewriting never changes routing. Each rewrite
 * replaces the first match of its regex ($1, $2 name its groups); no match leaves the value as it
 * was. A match whose result is not a valid Host or request target fails the request, which ALB
 * answers with a 500: `undefined` here.
 */
export function applyTransforms(transforms: readonly RuleTransform[] | undefined, request: Rewritable): Rewritable | undefined {
  if (!transforms || transforms.length === 0) return request;
  let { host, url } = request;
  for (const t of transforms) {
    if (t.Type === "host-header-rewrite" && host !== undefined) {
      const next = rewrite(t.HostHeaderRewriteConfig?.Rewrites, host);
      if (next !== host && !validHost(next)) return undefined;
      host = next;
    } else if (t.Type === "url-rewrite") {
      const next = rewrite(t.UrlRewriteConfig?.Rewrites, url);
      if (next !== url && !validTarget(next)) return undefined;
      url = next;
    }
  }
  return { host, url };
}

function rewrite(rewrites: readonly RewriteConfig[] | undefined, value: string): string {
  let out = value;
  for (const { Regex, Replace } of rewrites ?? []) {
    const re = Regex === undefined ? null : ruleRegex(Regex);
    if (!re) continue;
    const m = re.matcher(out);
    if (m.find()) out = re.matcher(out).replaceFirst(Replace ?? "");
  }
  return out;
}

// A host name or address with an optional port: letters, digits, '-', '.', ':' and IPv6 brackets.
const validHost = (host: string) => host.length > 0 && host.length <= 255 && /^[A-Za-z0-9.\-:[\]]+$/.test(host);
// An origin-form request target: starts with '/', visible ASCII only (RFC 9112 3.2.1).
const validTarget = (url: string) => url.startsWith("/") && /^[\x21-\x7e]*$/.test(url);
