import { test } from "node:test";
import assert from "node:assert/strict";
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import { boundGroup, boundGroupCookies, groupCookies, groupStickinessSeconds } from "./group-stickiness.js";
import { route, type Forward, type ProxyContext } from "./http-proxy.js";
import { RequestHead } from "./http1/request-head.js";
import { defaultTargetGroupAttributes, targetKey, type ListenerConfig, type TargetGroupAttributes, type TargetGroupConfig } from "./snapshot.js";
import type { SelectionState } from "./target-selection.js";

const forward = (groups: Array<[string, number]>, stickiness?: { Enabled: boolean; DurationSeconds?: number }): Action => ({
  Type: "forward",
  ForwardConfig: { TargetGroups: groups.map(([arn, weight]) => ({ TargetGroupArn: arn, Weight: weight })), ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}) },
});
const now = Date.UTC(2026, 0, 1);
const inAMinute = now / 1000 + 60;
const value = (cookies: string[]) => cookies[0]!.split(";")[0]!.split("=")[1]!;

test("AWSALBTG and AWSALBTGCORS name the group with the binding's fixed expiry; AWSALBTGCORS is SameSite=None; Secure", () => {
  const action = forward([["blue", 1], ["green", 1]], { Enabled: true, DurationSeconds: 60 });
  const cookies = groupCookies(action, 1, inAMinute);
  const v = value(cookies);
  assert.deepEqual(cookies, [`AWSALBTG=${v}; Expires=Thu, 01 Jan 2026 00:01:00 GMT; Path=/`, `AWSALBTGCORS=${v}; Expires=Thu, 01 Jan 2026 00:01:00 GMT; Path=/; SameSite=None; Secure`]);
  assert.ok(!v.includes("green") && !Buffer.from(v, "base64url").toString("latin1").includes("green"), "the value does not spell the ARN");
  const bound = boundGroup(action, `a=1; AWSALBTG=${v}; AWSALB=x`, now);
  assert.deepEqual(bound, { index: 1, arn: "green", expires: inAMinute, value: v });
  // A verified binding is sent back as the cookies that made it.
  assert.deepEqual(boundGroupCookies(bound!), cookies);
  // The CORS cookie alone (a cross-origin request) binds as well.
  assert.deepEqual(boundGroup(action, `AWSALBTGCORS=${v}`, now)?.arn, "green");
  // Target stickiness's cookies are not mistaken for it, nor it for them.
  assert.equal(boundGroup(action, `AWSALB=${v}; AWSALBCORS=${v}`, now), undefined);
});

test("a forged, stretched, expired or outdated AWSALBTG binds nothing", () => {
  const action = forward([["blue", 1], ["canary", 0]], { Enabled: true, DurationSeconds: 60 });
  const genuine = Buffer.from(value(groupCookies(action, 0, inAMinute)), "base64url");
  const tampered = (change: (b: Buffer) => void) => {
    const b = Buffer.from(genuine);
    change(b);
    return `AWSALBTG=${b.toString("base64url")}`;
  };
  assert.equal(boundGroup(action, `AWSALBTG=${genuine.toString("base64url")}`, now)?.arn, "blue");
  // Pointed at the weight-0 canary, or given a later expiry: the MAC no longer fits.
  assert.equal(boundGroup(action, tampered((b) => (b[0] = 1)), now), undefined);
  assert.equal(boundGroup(action, tampered((b) => b.writeUInt32BE(inAMinute + 3600, 1)), now), undefined);
  assert.equal(boundGroup(action, tampered((b) => (b[20] = b[20]! ^ 1)), now), undefined);
  // An index past the action's groups, garbage, a truncated value.
  assert.equal(boundGroup(action, tampered((b) => (b[0] = 9)), now), undefined);
  assert.equal(boundGroup(action, "AWSALBTG=not-a-cookie", now), undefined);
  assert.equal(boundGroup(action, `AWSALBTG=${genuine.toString("base64url").slice(0, 20)}`, now), undefined);
  // Expired: once the duration is over the client is weighed again, even if it keeps the cookie.
  assert.equal(boundGroup(action, `AWSALBTG=${genuine.toString("base64url")}`, now + 60_000), undefined);
  // The action's groups changed: the same place now holds another group.
  assert.equal(boundGroup(forward([["green", 1], ["blue", 1]]), `AWSALBTG=${genuine.toString("base64url")}`, now), undefined);
  assert.equal(boundGroup(action, undefined, now), undefined);
});

test("stickiness is on only with Enabled and a duration", () => {
  assert.equal(groupStickinessSeconds(forward([["a", 1], ["b", 1]])), undefined);
  assert.equal(groupStickinessSeconds(forward([["a", 1], ["b", 1]], { Enabled: false, DurationSeconds: 60 })), undefined);
  assert.equal(groupStickinessSeconds(forward([["a", 1], ["b", 1]], { Enabled: true, DurationSeconds: 60 })), 60);
});

// route(): the listener's default action, groups of one target each.
const tg = (arn: string, attributes: Partial<TargetGroupAttributes> = {}): TargetGroupConfig => ({
  TargetGroupArn: arn,
  Protocol: "HTTP",
  Port: 80,
  TargetType: "ip",
  HealthCheck: { HealthCheckEnabled: true, HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckPath: "/", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: "200" } },
  Attributes: { ...defaultTargetGroupAttributes, ...attributes },
  Targets: [{ Id: `${arn}-1`, Address: "127.0.0.1", Port: 1, State: "registered" }, { Id: `${arn}-2`, Address: "127.0.0.1", Port: 2, State: "registered" }],
});
function context(groups: TargetGroupConfig[], unhealthy: string[] = [], random = () => 0): ProxyContext {
  const selection: SelectionState = { cursors: new Map(), isHealthy: (key) => !unhealthy.some((arn) => key.startsWith(`${arn}|`)), outstanding: () => 0, random };
  return { targetGroup: (arn: string) => groups.find((g) => g.TargetGroupArn === arn), selection } as unknown as ProxyContext;
}
const listener = (action: Action): ListenerConfig => ({ ListenerArn: "l", Port: 80, Protocol: "HTTP", DefaultActions: [action], Rules: [] });
const head = (cookie?: string) => new RequestHead("GET", "/", ["Host", "lb", ...(cookie ? ["Cookie", cookie] : [])], 1, true, false, "127.0.0.1");
const forwarded = (ctx: ProxyContext, action: Action, cookie?: string) => {
  const r = route(ctx, listener(action), head(cookie));
  assert.equal(r.kind, "forward");
  return r as Forward;
};
const tgCookie = (r: Forward) => r.groupCookies![0]!.split(";")[0]!;

test("route: a bound client keeps its group while it has a healthy target, whatever the weights now; else it is weighed and rebound", () => {
  const ctx = context([tg("blue"), tg("green")]);
  const sticky = forward([["blue", 1], ["green", 1]], { Enabled: true, DurationSeconds: 60 });
  const first = forwarded(ctx, sticky);
  const cookie = tgCookie(first);
  for (let i = 0; i < 10; i++) assert.equal(forwarded(ctx, sticky, `${cookie}; other=1`).group.TargetGroupArn, first.group.TargetGroupArn);
  // The binding's expiry is kept, not pushed back.
  assert.equal(tgCookie(forwarded(ctx, sticky, cookie)), cookie);
  const bound = first.group.TargetGroupArn;
  const other = bound === "blue" ? "green" : "blue";
  // Its group's weight drops to 0 (traffic shifted): the bound client stays for the duration.
  const shifted = forward(bound === "blue" ? [["blue", 0], ["green", 1]] : [["blue", 1], ["green", 0]], { Enabled: true, DurationSeconds: 60 });
  assert.equal(forwarded(ctx, shifted, cookie).group.TargetGroupArn, bound);
  assert.equal(forwarded(ctx, shifted).group.TargetGroupArn, other, "new clients follow the weights");
  // Its group has no healthy target: the weights choose again and the cookie is rewritten.
  const sick = context([tg("blue"), tg("green")], [bound], () => (bound === "blue" ? 0.99 : 0));
  const moved = forwarded(sick, sticky, cookie);
  assert.equal(moved.group.TargetGroupArn, other);
  assert.notEqual(tgCookie(moved), cookie);
  // Its group left the action: likewise.
  const without = forward([[other, 1]], { Enabled: true, DurationSeconds: 60 });
  assert.equal(forwarded(ctx, without, cookie).group.TargetGroupArn, other);
});

test("route: without target group stickiness no AWSALBTG is read or written; with it, target stickiness still works inside the group", () => {
  const ctx = context([tg("blue", { "stickiness.enabled": true }), tg("green", { "stickiness.enabled": true })]);
  const plain = forwarded(ctx, forward([["blue", 1], ["green", 1]]));
  assert.equal(plain.groupCookies, undefined);
  const sticky = forward([["blue", 1], ["green", 1]], { Enabled: true, DurationSeconds: 60 });
  const first = forwarded(ctx, sticky);
  const group = first.group.TargetGroupArn;
  // The AWSALB cookie for the second target of the bound group, beside AWSALBTG: both are followed.
  const awsalb = `AWSALB=${Buffer.from(targetKey(group, { Id: `${group}-2`, Port: 2 })).toString("base64url")}`;
  for (let i = 0; i < 4; i++) {
    const r = forwarded(ctx, sticky, `${tgCookie(first)}; ${awsalb}`);
    assert.equal(r.group.TargetGroupArn, group);
    assert.equal(r.target.Id, `${group}-2`);
  }
});
