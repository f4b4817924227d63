import { test } from "node:test";
import assert from "node:assert/strict";
import { initialHealth, nextHealth, type CheckResult, type TargetHealthState } from "./health-state.js";
import { httpCodeMatcher } from "./matcher.js";

const ok: CheckResult = { ok: true };
const bad: CheckResult = { ok: false, reason: "Target.ResponseCodeMismatch", description: "Health checks failed with these codes: [500]" };
const slow: CheckResult = { ok: false, reason: "Target.Timeout", description: "Request timed out" };
const thresholds = { HealthyThresholdCount: 3, UnhealthyThresholdCount: 2 };
const run = (results: CheckResult[], from: TargetHealthState = initialHealth) => results.reduce((s, r) => nextHealth(s, r, thresholds), from);

test("initial turns healthy after HealthyThresholdCount consecutive successes", () => {
  assert.equal(run([ok, ok]).state, "initial");
  assert.equal(run([ok, ok]).reason, "Elb.InitialHealthChecking");
  const healthy = run([ok, ok, ok]);
  assert.equal(healthy.state, "healthy");
  assert.equal(healthy.reason, undefined);
});

test("initial turns unhealthy after UnhealthyThresholdCount consecutive failures, with the latest reason", () => {
  assert.equal(run([bad]).state, "initial");
  const s = run([bad, slow]);
  assert.equal(s.state, "unhealthy");
  assert.equal(s.reason, "Target.Timeout");
  assert.equal(s.description, "Request timed out");
});

test("a success in between resets the failure count, and the other way round", () => {
  const healthy = run([ok, ok, ok]);
  assert.equal(run([bad, ok, bad], healthy).state, "healthy");
  const unhealthy = run([bad, bad], healthy);
  assert.equal(unhealthy.state, "unhealthy");
  assert.equal(unhealthy.reason, "Target.ResponseCodeMismatch");
  assert.equal(run([ok, ok, bad, ok, ok], unhealthy).state, "unhealthy");
  assert.equal(run([ok, ok, ok], unhealthy).state, "healthy");
});

test("matcher: single codes, lists and ranges", () => {
  const m = httpCodeMatcher("200,302,400-404");
  for (const s of [200, 302, 400, 403, 404]) assert.ok(m(s), String(s));
  for (const s of [201, 301, 405, 500]) assert.ok(!m(s), String(s));
  assert.ok(httpCodeMatcher("200-299")(204));
  assert.ok(!httpCodeMatcher("200")(204));
  assert.ok(!httpCodeMatcher("junk")(200));
});
