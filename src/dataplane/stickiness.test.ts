import { test } from "node:test";
import assert from "node:assert/strict";
import { stickyCookies, stickyTargetKey } from "./stickiness.js";
import { RequestHead } from "./http1/request-head.js";
import { defaultTargetGroupAttributes, type TargetGroupAttributes, type TargetGroupConfig } from "./snapshot.js";

const group = (attributes: Partial<TargetGroupAttributes>): TargetGroupConfig => ({
  TargetGroupArn: "tg",
  Protocol: "HTTP",
  Port: 80,
  TargetType: "ip",
  HealthCheck: { HealthCheckEnabled: true, HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckPath: "/", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: "200" } },
  Attributes: { ...defaultTargetGroupAttributes, ...attributes },
  Targets: [],
});
const request = (cookie: string) => new RequestHead("GET", "/", ["Host", "x", "Cookie", cookie], 1, true, false, "127.0.0.1");
const key = "tg|127.0.0.1|8080";
const now = Date.UTC(2026, 0, 1);

test("app_cookie: AWSALBAPP-0..3 only when the target sets the application cookie; AWSALBAPP-0 routes back", () => {
  const g = group({ "stickiness.enabled": true, "stickiness.type": "app_cookie", "stickiness.app_cookie.cookie_name": "SESSION", "stickiness.app_cookie.duration_seconds": 60 });
  assert.deepEqual(stickyCookies(g, key, ["other=1"], now), []);
  assert.deepEqual(stickyCookies(g, key, [], now), []);
  const cookies = stickyCookies(g, key, ["SESSION=abc; Path=/"], now);
  const value = Buffer.from(key).toString("base64url");
  const expires = "Thu, 01 Jan 2026 00:01:00 GMT";
  assert.deepEqual(cookies, [
    `AWSALBAPP-0=${value}; Expires=${expires}; Path=/`,
    `AWSALBAPP-1=_remove_; Expires=${expires}; Path=/`,
    `AWSALBAPP-2=_remove_; Expires=${expires}; Path=/`,
    `AWSALBAPP-3=_remove_; Expires=${expires}; Path=/`,
  ]);
  assert.equal(stickyTargetKey(g, request(`SESSION=abc; AWSALBAPP-0=${value}; AWSALBAPP-1=_remove_`)), key);
  // The lb_cookie does not count for app_cookie stickiness, nor a key of another group.
  assert.equal(stickyTargetKey(g, request(`AWSALB=${value}`)), undefined);
  assert.equal(stickyTargetKey(g, request(`AWSALBAPP-0=${Buffer.from("other|1|2").toString("base64url")}`)), undefined);
});

test("lb_cookie: AWSALB and AWSALBCORS on every response; disabled stickiness sets and reads nothing", () => {
  const g = group({ "stickiness.enabled": true, "stickiness.type": "lb_cookie", "stickiness.lb_cookie.duration_seconds": 60 });
  const [alb, cors] = stickyCookies(g, key, [], now);
  assert.match(alb!, /^AWSALB=[^;]+; Expires=[^;]+; Path=\/$/);
  // AWS: "SameSite=None; Secure", which browsers need before they send a cookie cross-origin.
  assert.match(cors!, /^AWSALBCORS=[^;]+; Expires=[^;]+; Path=\/; SameSite=None; Secure$/);
  assert.equal(stickyTargetKey(g, request(`AWSALB=${Buffer.from(key).toString("base64url")}`)), key);
  const off = group({ "stickiness.enabled": false, "stickiness.type": "app_cookie", "stickiness.app_cookie.cookie_name": "SESSION" });
  assert.deepEqual(stickyCookies(off, key, ["SESSION=1"], now), []);
  assert.equal(stickyTargetKey(off, request(`AWSALBAPP-0=${Buffer.from(key).toString("base64url")}`)), undefined);
});
