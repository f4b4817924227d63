import { BlockList, isIP } from "node:net";
import type { RuleCondition } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { RequestFacts } from "./request-facts.js";
import { wildcardMatch } from "./wildcard.js";
import { regexFinds } from "./rule-regex.js";

/**
 * Whether one rule condition matches a request. Within a condition the values are OR'ed; the
 * case rules are AWS's (Rule condition types, ALB user guide): host names and header values and
 * query strings compare case-insensitively, paths and methods case-sensitively; header names are
 * case-insensitive and take no wildcards; methods take no wildcards.
 *
 * host-header, path-pattern and http-header may instead carry RegexValues (ALB, 2025): a value
 * matches when its regex matches anywhere in it, case-sensitively unless the regex says (?i). A
 * host regex sees the Host header as sent, port included ("use regex values to match a
 * non-standard port"), a path regex the path without the query.
 */
export function conditionMatches(condition: RuleCondition, req: RequestFacts): boolean {
  switch (condition.Field) {
    case "host-header": {
      const regexes = condition.HostHeaderConfig?.RegexValues ?? condition.RegexValues;
      if (regexes?.length) return regexes.some((r) => regexFinds(r, req.hostHeader));
      const values = condition.HostHeaderConfig?.Values ?? condition.Values ?? [];
      return values.some((v) => wildcardMatch(v, req.host, { ignoreCase: true }));
    }
    case "path-pattern": {
      const regexes = condition.PathPatternConfig?.RegexValues ?? condition.RegexValues;
      if (regexes?.length) return regexes.some((r) => regexFinds(r, req.path));
      const values = condition.PathPatternConfig?.Values ?? condition.Values ?? [];
      return values.some((v) => wildcardMatch(v, req.path));
    }
    case "http-request-method":
      return (condition.HttpRequestMethodConfig?.Values ?? []).includes(req.method);
    case "http-header": {
      const config = condition.HttpHeaderConfig;
      const occurrences = req.headers[(config?.HttpHeaderName ?? "").toLowerCase()] ?? [];
      const regexes = config?.RegexValues ?? condition.RegexValues;
      if (regexes?.length) return occurrences.some((h) => regexes.some((r) => regexFinds(r, h)));
      // "If the same header appears multiple times in the request, we search them in order."
      return occurrences.some((h) => (config?.Values ?? []).some((v) => wildcardMatch(v, h, { ignoreCase: true })));
    }
    case "query-string": {
      const params = parseQuery(req.query);
      return (condition.QueryStringConfig?.Values ?? []).some((pair) =>
        params.some((param) =>
          (pair.Key === undefined || (param.key !== undefined && wildcardMatch(pair.Key, param.key, { ignoreCase: true, escapes: true }))) &&
          wildcardMatch(pair.Value ?? "", param.value, { ignoreCase: true, escapes: true }),
        ),
      );
    }
    case "source-ip":
      return (condition.SourceIpConfig?.Values ?? []).some((cidr) => inCidr(req.sourceIp, cidr));
    default:
      // An unknown field can't be evaluated: the rule must not match rather than catch all traffic.
      return false;
  }
}

interface QueryParam { key: string | undefined; value: string }

/** "a=1&b&c=x%20y" -> [{a,1},{undefined,b},{c,"x y"}]: a bare word is a value with no key. */
function parseQuery(query: string): QueryParam[] {
  if (query === "") return [];
  return query.split("&").filter((p) => p !== "").map((part) => {
    const eq = part.indexOf("=");
    return eq === -1 ? { key: undefined, value: decode(part) } : { key: decode(part.slice(0, eq)), value: decode(part.slice(eq + 1)) };
  });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

function inCidr(address: string, cidr: string): boolean {
  const slash = cidr.indexOf("/");
  const network = slash === -1 ? cidr : cidr.slice(0, slash);
  const family = isIP(network);
  const family2 = isIP(address);
  if (family === 0 || family2 === 0) return false;
  const prefix = slash === -1 ? (family === 4 ? 32 : 128) : Number(cidr.slice(slash + 1));
  const list = new BlockList();
  try {
    list.addSubnet(network, prefix, family === 4 ? "ipv4" : "ipv6");
    return list.check(address, family2 === 4 ? "ipv4" : "ipv6");
  } catch {
    return false;
  }
}
