import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseTarget, chooseTargetGroup, hasHealthyTarget, type SelectionState } from "./target-selection.js";
import { defaultTargetGroupAttributes, targetKey, type TargetConfig, type TargetGroupConfig } from "./snapshot.js";

const t = (id: string, state: TargetConfig["State"] = "registered"): TargetConfig => ({ Id: id, Address: "127.0.0.1", Port: 1, State: state });
const group = (targets: TargetConfig[], algorithm: "round_robin" | "least_outstanding_requests" = "round_robin"): TargetGroupConfig => ({
  TargetGroupArn: "tg",
  Protocol: "HTTP",
  Port: 80,
  TargetType: "ip",
  HealthCheck: { HealthCheckEnabled: true, HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckPath: "/", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: "200" } },
  Attributes: { ...defaultTargetGroupAttributes, "load_balancing.algorithm.type": algorithm },
  Targets: targets,
});
const state = (healthy: string[], outstanding: Record<string, number> = {}): SelectionState => ({
  cursors: new Map(),
  isHealthy: (key) => healthy.some((id) => key === targetKey("tg", { Id: id, Port: 1 })),
  outstanding: (key) => outstanding[key.split("|")[1]!] ?? 0,
});
const picks = (g: TargetGroupConfig, s: SelectionState, n: number) => Array.from({ length: n }, () => chooseTarget(g, s)?.Id);

test("round robin over healthy targets only; draining ones never chosen", () => {
  const g = group([t("a"), t("b"), t("c"), t("d", "draining")]);
  assert.deepEqual(picks(g, state(["a", "c", "d"]), 4), ["a", "c", "a", "c"]);
});

test("fail open: no healthy target means every registered (not draining) target", () => {
  const g = group([t("a"), t("b"), t("c", "draining")]);
  assert.deepEqual(picks(g, state([]), 4), ["a", "b", "a", "b"]);
  assert.equal(chooseTarget(group([t("x", "draining")]), state([])), undefined);
  assert.equal(chooseTarget(group([]), state([])), undefined);
});

test("hasHealthyTarget: only a registered target passing its checks counts (failing open does not)", () => {
  const g = group([t("a"), t("b"), t("c", "draining")]);
  assert.equal(hasHealthyTarget(g, state(["b"])), true);
  assert.equal(hasHealthyTarget(g, state([])), false);
  assert.equal(hasHealthyTarget(g, state(["c"])), false, "a draining target takes no new clients");
  assert.equal(hasHealthyTarget(group([]), state([])), false);
});

test("least outstanding requests picks the least busy, ties round robin", () => {
  const g = group([t("a"), t("b"), t("c")], "least_outstanding_requests");
  assert.deepEqual(picks(g, state(["a", "b", "c"], { a: 3, b: 1, c: 1 }), 4), ["b", "c", "b", "c"]);
});

test("weighted forward follows the weights; weight 0 gets nothing", () => {
  const action = { Type: "forward" as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: "x", Weight: 3 }, { TargetGroupArn: "y", Weight: 1 }, { TargetGroupArn: "z", Weight: 0 }] } };
  assert.equal(chooseTargetGroup(action, () => 0), "x");
  assert.equal(chooseTargetGroup(action, () => 0.74), "x");
  assert.equal(chooseTargetGroup(action, () => 0.76), "y");
  assert.equal(chooseTargetGroup(action, () => 0.999), "y");
  assert.equal(chooseTargetGroup({ Type: "forward", TargetGroupArn: "only" }), "only");
  assert.equal(chooseTargetGroup({ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: "x", Weight: 0 }] } }), undefined);
});

/** A group with slow start: `since` says when each target became healthy (seconds before now). */
function rampingState(since: Record<string, number>, outstanding: Record<string, number> = {}): SelectionState {
  const now = 1_000_000;
  return {
    ...state(Object.keys(since), outstanding),
    credits: new Map(),
    now: () => now,
    healthySince: (key) => (since[key.split("|")[1]!] === undefined ? undefined : now - since[key.split("|")[1]!]! * 1000),
  };
}
const count = (ids: Array<string | undefined>) => ids.reduce<Record<string, number>>((m, id) => ({ ...m, [id!]: (m[id!] ?? 0) + 1 }), {});

test("slow start: a new target's share grows linearly over the duration, round robin", () => {
  const g = { ...group([t("a"), t("b"), t("new")]), Attributes: { ...group([]).Attributes, "slow_start.duration_seconds": 100 } };
  // 25 s into 100 s: weight 0.25 beside two full targets -> 0.25 / 2.25 of 900 picks = 100.
  assert.deepEqual(count(picks(g, rampingState({ a: 3600, b: 3600, new: 25 }), 900)), { a: 400, b: 400, new: 100 });
  assert.deepEqual(count(picks(g, rampingState({ a: 3600, b: 3600, new: 75 }), 110)), { a: 40, b: 40, new: 30 });
  // Past the duration: plain round robin again.
  assert.deepEqual(picks(g, rampingState({ a: 3600, b: 3600, new: 100 }), 3), ["a", "b", "new"]);
  // With no candidate at full share, nothing is held back.
  assert.deepEqual(picks(g, rampingState({ a: 10, b: 20, new: 5 }), 3), ["a", "b", "new"]);
  // Slow start off: no ramp.
  assert.deepEqual(picks(group([t("a"), t("new")]), rampingState({ a: 3600, new: 1 }), 2), ["a", "new"]);
});

test("slow start with least outstanding requests: a ramping target counts as busier", () => {
  const g = { ...group([t("a"), t("new")], "least_outstanding_requests"), Attributes: { ...group([]).Attributes, "load_balancing.algorithm.type": "least_outstanding_requests" as const, "slow_start.duration_seconds": 100 } };
  // new: (0 + 1) / 0.1 = 10 > a: (3 + 1) / 1 = 4.
  assert.equal(chooseTarget(g, rampingState({ a: 3600, new: 10 }, { a: 3 })), g.Targets[0]);
  // new at half share with nothing outstanding: 2 < a's 4.
  assert.equal(chooseTarget(g, rampingState({ a: 3600, new: 50 }, { a: 3 })), g.Targets[1]);
});

test("weighted_random draws uniformly among the candidates", () => {
  const g = { ...group([t("a"), t("b"), t("c", "draining")]), Attributes: { ...group([]).Attributes, "load_balancing.algorithm.type": "weighted_random" as const } };
  const draws = [0.1, 0.6, 0.4, 0.99];
  const s = { ...state(["a", "b"]), random: () => draws.shift()! };
  assert.deepEqual(picks(g, s, 4), ["a", "b", "a", "b"]);
});

test("source_ip affinity: the same address keeps its target; a target leaving moves only its clients", () => {
  const g = group([t("a"), t("b"), t("c")]);
  const s = state(["a", "b", "c"]);
  const clients = Array.from({ length: 60 }, (_, i) => `127.0.${i}.9`);
  const first = clients.map((ip) => chooseTarget(g, s, undefined, ip)?.Id);
  assert.deepEqual(clients.map((ip) => chooseTarget(g, s, undefined, ip)?.Id), first);
  assert.equal(Object.keys(count(first)).length, 3);
  const without = clients.map((ip) => chooseTarget(g, state(["a", "b"]), undefined, ip)?.Id);
  clients.forEach((_, i) => {
    if (first[i] !== "c") assert.equal(without[i], first[i]);
    else assert.notEqual(without[i], "c");
  });
});
