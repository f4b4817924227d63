import { test } from "node:test";
import assert from "node:assert/strict";
import type { RuleCondition } from "@aws-sdk/client-elastic-load-balancing-v2";
import { wildcardMatch } from "./wildcard.js";
import { conditionMatches } from "./conditions.js";
import { actionFor, selectRule } from "./select-rule.js";
import { redirectLocation, redirectStatus } from "./redirect.js";
import { hostWithoutPort, splitTarget, type RequestFacts } from "./request-facts.js";
import { applyTransforms } from "./transforms.js";
import { regexProblem } from "./rule-regex.js";
import type { ListenerConfig } from "../snapshot.js";

function req(over: Partial<RequestFacts> = {}): RequestFacts {
  return { method: "GET", host: "example.com", hostHeader: over.hostHeader ?? over.host ?? "example.com", path: "/", query: "", headers: {}, sourceIp: "127.0.0.1", protocol: "HTTP", port: 80, ...over };
}

test("wildcards: * is zero or more, ? exactly one, the whole value must match", () => {
  assert.ok(wildcardMatch("/img/*", "/img/a/b.png"));
  assert.ok(wildcardMatch("/img/*", "/img/"));
  assert.ok(!wildcardMatch("/img/*", "/img"));
  assert.ok(wildcardMatch("/a?c", "/abc"));
  assert.ok(!wildcardMatch("/a?c", "/ac"));
  assert.ok(!wildcardMatch("/a?c", "/abbc"));
  assert.ok(wildcardMatch("*.example.com", "www.example.com"));
  assert.ok(!wildcardMatch("*.example.com", "example.com"));
  assert.ok(wildcardMatch("*a*b", "xxaxxaxxb"));
  assert.ok(!wildcardMatch("*a*b", "xxaxxaxxbc"));
  assert.ok(wildcardMatch("*", ""));
  assert.ok(!wildcardMatch("", "x"));
  assert.ok(!wildcardMatch("ABC", "abc"));
  assert.ok(wildcardMatch("ABC", "abc", { ignoreCase: true }));
});

test("wildcards: escaped \\* and \\? are literal only when escapes are on", () => {
  assert.ok(wildcardMatch("a\\*b", "a*b", { escapes: true }));
  assert.ok(!wildcardMatch("a\\*b", "axxb", { escapes: true }));
  assert.ok(wildcardMatch("a\\?", "a?", { escapes: true }));
  assert.ok(!wildcardMatch("a\\?", "ab", { escapes: true }));
});

test("wildcards: a pathological pattern stays fast (no exponential backtracking)", () => {
  const value = "a".repeat(5000);
  assert.equal(wildcardMatch("*a*a*a*a*a*a*a*a*b", value), false);
});

test("host-header: case-insensitive, wildcards, values OR'ed, legacy Values too", () => {
  const c: RuleCondition = { Field: "host-header", HostHeaderConfig: { Values: ["api.example.com", "*.test.io"] } };
  assert.ok(conditionMatches(c, req({ host: "API.Example.COM" })));
  assert.ok(conditionMatches(c, req({ host: "a.test.io" })));
  assert.ok(!conditionMatches(c, req({ host: "example.com" })));
  assert.ok(conditionMatches({ Field: "host-header", Values: ["ex?mple.com"] }, req()));
});

test("path-pattern: case-sensitive, path only (never the query)", () => {
  const c: RuleCondition = { Field: "path-pattern", PathPatternConfig: { Values: ["/api/*", "/health"] } };
  assert.ok(conditionMatches(c, req({ path: "/api/users" })));
  assert.ok(conditionMatches(c, req({ path: "/health", query: "x=/api/" })));
  assert.ok(!conditionMatches(c, req({ path: "/API/users" })));
  assert.ok(!conditionMatches(c, req({ path: "/healthz" })));
});

test("http-header: name case-insensitive, values case-insensitive with wildcards, each occurrence searched", () => {
  const c: RuleCondition = { Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "User-Agent", Values: ["*Mobile*"] } };
  assert.ok(conditionMatches(c, req({ headers: { "user-agent": ["Mozilla/5.0 (iPhone) mobile Safari"] } })));
  assert.ok(!conditionMatches(c, req({ headers: { "user-agent": ["curl/8"] } })));
  assert.ok(!conditionMatches(c, req()));
  const multi: RuleCondition = { Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "x-env", Values: ["blue"] } };
  assert.ok(conditionMatches(multi, req({ headers: { "x-env": ["green", "BLUE"] } })));
});

test("http-request-method: exact and case-sensitive, no wildcards", () => {
  const c: RuleCondition = { Field: "http-request-method", HttpRequestMethodConfig: { Values: ["POST", "PUT"] } };
  assert.ok(conditionMatches(c, req({ method: "PUT" })));
  assert.ok(!conditionMatches(c, req({ method: "GET" })));
  assert.ok(!conditionMatches(c, req({ method: "post" })));
  assert.ok(!conditionMatches({ Field: "http-request-method", HttpRequestMethodConfig: { Values: ["P*"] } }, req({ method: "POST" })));
});

test("query-string: key/value pairs with wildcards, key optional, case-insensitive, decoded", () => {
  const c: RuleCondition = { Field: "query-string", QueryStringConfig: { Values: [{ Key: "version", Value: "v1" }, { Value: "*example*" }] } };
  assert.ok(conditionMatches(c, req({ query: "a=1&Version=V1" })));
  assert.ok(conditionMatches(c, req({ query: "q=an%20Example%20here" })));
  assert.ok(conditionMatches(c, req({ query: "example" })));
  assert.ok(!conditionMatches(c, req({ query: "version=v2" })));
  assert.ok(!conditionMatches(c, req({ query: "" })));
  const wild: RuleCondition = { Field: "query-string", QueryStringConfig: { Values: [{ Key: "ver*", Value: "v?" }] } };
  assert.ok(conditionMatches(wild, req({ query: "version=v9" })));
  assert.ok(!conditionMatches(wild, req({ query: "version=v10" })));
  const literal: RuleCondition = { Field: "query-string", QueryStringConfig: { Values: [{ Key: "q", Value: "a\\*" }] } };
  assert.ok(conditionMatches(literal, req({ query: "q=a*" })));
  assert.ok(!conditionMatches(literal, req({ query: "q=ab" })));
});

test("source-ip: CIDRs, IPv4 and IPv6, the socket's address (IPv4-mapped forms too)", () => {
  const c: RuleCondition = { Field: "source-ip", SourceIpConfig: { Values: ["127.77.0.0/16", "2001:db8::/32"] } };
  assert.ok(conditionMatches(c, req({ sourceIp: "127.77.3.4" })));
  assert.ok(conditionMatches(c, req({ sourceIp: "::ffff:127.77.3.4" })));
  assert.ok(conditionMatches(c, req({ sourceIp: "2001:db8::1" })));
  assert.ok(!conditionMatches(c, req({ sourceIp: "127.78.0.1" })));
  assert.ok(!conditionMatches({ Field: "source-ip", SourceIpConfig: { Values: ["not-a-cidr"] } }, req()));
});

test("an unknown field never matches", () => {
  assert.ok(!conditionMatches({ Field: "cookie", Values: ["*"] }, req()));
});

const fixed = (body: string) => [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "200", MessageBody: body } }];
const listener: ListenerConfig = {
  ListenerArn: "l",
  Port: 80,
  Protocol: "HTTP",
  DefaultActions: fixed("default"),
  Rules: [
    { RuleArn: "r20", Priority: 20, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/api/*"] } }], Actions: fixed("api") },
    {
      RuleArn: "r10",
      Priority: 10,
      Conditions: [
        { Field: "path-pattern", PathPatternConfig: { Values: ["/api/*"] } },
        { Field: "http-request-method", HttpRequestMethodConfig: { Values: ["POST"] } },
      ],
      Actions: fixed("api-post"),
    },
    {
      RuleArn: "r5",
      Priority: 5,
      Conditions: [
        { Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "x-a", Values: ["1"] } },
        { Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "x-b", Values: ["2"] } },
      ],
      Actions: fixed("both-headers"),
    },
  ],
};

test("rules: lowest priority first, every condition must match, else the default actions", () => {
  assert.equal(selectRule(listener, req({ path: "/api/x", method: "POST" }))?.RuleArn, "r10");
  assert.equal(selectRule(listener, req({ path: "/api/x", method: "GET" }))?.RuleArn, "r20");
  assert.equal(selectRule(listener, req({ path: "/other" })), undefined);
  assert.equal(actionFor(listener, req({ path: "/other" }))?.FixedResponseConfig?.MessageBody, "default");
  assert.equal(selectRule(listener, req({ headers: { "x-a": ["1"] } })), undefined);
  assert.equal(selectRule(listener, req({ headers: { "x-a": ["1"], "x-b": ["2"] } }))?.RuleArn, "r5");
});

test("rules: the terminal action is the first forward/redirect/fixed-response by Order", () => {
  const l: ListenerConfig = {
    ...listener,
    Rules: [],
    DefaultActions: [
      { Type: "fixed-response", Order: 2, FixedResponseConfig: { StatusCode: "404" } },
      { Type: "authenticate-oidc", Order: 1 },
    ],
  };
  assert.equal(actionFor(l, req())?.FixedResponseConfig?.StatusCode, "404");
});

test("redirect: components left out keep the original, placeholders reuse the request", () => {
  const r = req({ host: "example.com", path: "/a/b", query: "x=1", port: 8080 });
  assert.equal(redirectLocation({ StatusCode: "HTTP_301", Protocol: "HTTPS", Port: "443" }, r), "https://example.com:443/a/b?x=1");
  assert.equal(redirectLocation({ StatusCode: "HTTP_302", Path: "/new/#{path}", Query: "#{query}&v=2" }, r), "http://example.com:8080/new/a/b?x=1&v=2");
  assert.equal(redirectLocation({ StatusCode: "HTTP_302", Host: "www.#{host}", Path: "/#{host}/#{port}" }, r), "http://www.example.com:8080/example.com/8080?x=1");
  assert.equal(redirectLocation({ StatusCode: "HTTP_302", Host: "other" }, req({ path: "/p" })), "http://other:80/p");
  assert.equal(redirectStatus({ StatusCode: "HTTP_301" }), 301);
  assert.equal(redirectStatus({ StatusCode: "HTTP_302" }), 302);
});

test("request facts: target and host split", () => {
  assert.deepEqual(splitTarget("/a/b?x=1&y=2"), { path: "/a/b", query: "x=1&y=2" });
  assert.deepEqual(splitTarget("/a"), { path: "/a", query: "" });
  assert.equal(hostWithoutPort("Example.com:8080"), "Example.com");
  assert.equal(hostWithoutPort("[::1]:80"), "[::1]");
  assert.equal(hostWithoutPort(undefined), "");
});

test("regex conditions: host (port included), path and header values match anywhere unless anchored, case-sensitively", () => {
  const host: RuleCondition = { Field: "host-header", HostHeaderConfig: { RegexValues: ["^api-[0-9]+\\.example\\.com(:8443)?$"] } };
  assert.ok(conditionMatches(host, req({ host: "api-12.example.com" })));
  assert.ok(conditionMatches(host, req({ host: "api-12.example.com", hostHeader: "api-12.example.com:8443" })));
  assert.ok(!conditionMatches(host, req({ host: "api-12.example.com", hostHeader: "api-12.example.com:8080" })));
  assert.ok(!conditionMatches(host, req({ host: "api-x.example.com" })));
  const path: RuleCondition = { Field: "path-pattern", PathPatternConfig: { RegexValues: ["/v[0-9]+/users"] } };
  assert.ok(conditionMatches(path, req({ path: "/api/v2/users/7" })));
  assert.ok(!conditionMatches(path, req({ path: "/api/V2/users" })));
  assert.ok(!conditionMatches(path, req({ path: "/api", query: "x=/v2/users" })));
  assert.ok(conditionMatches({ Field: "path-pattern", PathPatternConfig: { RegexValues: ["(?i)^/API$"] } }, req({ path: "/api" })));
  const header: RuleCondition = { Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "User-Agent", RegexValues: ["Mobile|Android"] } };
  assert.ok(conditionMatches(header, req({ headers: { "user-agent": ["curl/8", "x Android y"] } })));
  assert.ok(!conditionMatches(header, req({ headers: { "user-agent": ["curl/8"] } })));
  assert.ok(!conditionMatches(header, req()));
});

test("regex: linear time on a pathological pattern; unsupported features refused", () => {
  assert.ok(!conditionMatches({ Field: "path-pattern", PathPatternConfig: { RegexValues: ["^(a+)+$"] } }, req({ path: "a".repeat(50_000) + "!" })));
  for (const bad of ["(?=a)", "(?<=a)b", "(a)\\1", "(?>a)", "a*+", "\\p{L}", "(?R)", "[a-"]) assert.ok(regexProblem(bad), bad);
  assert.equal(regexProblem("^/api/(.+)$"), undefined);
  // A stored pattern the API would refuse never matches (rather than throwing in the data plane).
  assert.ok(!conditionMatches({ Field: "path-pattern", PathPatternConfig: { RegexValues: ["(?=x)"] } }, req({ path: "x" })));
});

test("transforms: url and host rewrites with capture groups; no match keeps the request; a bad result is undefined (500)", () => {
  const url = { Type: "url-rewrite" as const, UrlRewriteConfig: { Rewrites: [{ Regex: "^/api/(.+)$", Replace: "/$1" }] } };
  const host = { Type: "host-header-rewrite" as const, HostHeaderRewriteConfig: { Rewrites: [{ Regex: "^mywebsite-(.+)\\.com$", Replace: "internal.$1.example" }] } };
  assert.deepEqual(applyTransforms([url, host], { host: "mywebsite-eu.com", url: "/api/users?id=7" }), { host: "internal.eu.example", url: "/users?id=7" });
  assert.deepEqual(applyTransforms([url, host], { host: "other.com", url: "/health" }), { host: "other.com", url: "/health" });
  // Only the first match is replaced.
  assert.deepEqual(applyTransforms([{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "x", Replace: "y" }] } }], { host: undefined, url: "/x/x" }), { host: undefined, url: "/y/x" });
  // The query string is part of the URL a rewrite sees.
  assert.deepEqual(applyTransforms([{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "\\?.*$", Replace: "" }] } }], { host: "h", url: "/a?b=1" }), { host: "h", url: "/a" });
  assert.equal(applyTransforms([{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "^/", Replace: "no-slash/" }] } }], { host: "h", url: "/a" }), undefined);
  assert.equal(applyTransforms([{ Type: "host-header-rewrite", HostHeaderRewriteConfig: { Rewrites: [{ Regex: ".+", Replace: "bad host" }] } }], { host: "h", url: "/a" }), undefined);
  assert.deepEqual(applyTransforms(undefined, { host: "h", url: "/a" }), { host: "h", url: "/a" });
});
