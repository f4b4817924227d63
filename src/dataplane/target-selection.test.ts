import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseTarget, chooseTargetGroup, type SelectionState } from "./target-selection.js";
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
