import { test } from "node:test";
import assert from "node:assert/strict";
import { placeFirstFit, type PlacementCandidate } from "./first-fit-placement.js";

const instance = (arn: string, extra: Partial<PlacementCandidate> = {}): PlacementCandidate => ({
  arn, status: "ACTIVE", agentConnected: true, remaining: { cpu: 1024, memory: 512, ports: [22], portsUdp: [] }, ...extra,
});
const demand = { cpu: 256, memory: 200, ports: [], portsUdp: [] };

test("each task goes to the first instance that fits, counting the tasks placed before it", () => {
  const plan = placeFirstFit([instance("a"), instance("b")], demand, 4);
  assert.deepEqual(plan, { placements: ["a", "a", "b", "b"], failures: [] });
});

test("when a task fits nowhere, placement stops and each instance reports its first failing check", () => {
  const instances = [
    instance("draining", { status: "DRAINING" }),
    instance("gone", { agentConnected: false }),
    instance("small", { remaining: { cpu: 100, memory: 512, ports: [], portsUdp: [] } }),
    instance("full", { remaining: { cpu: 1024, memory: 250, ports: [], portsUdp: [] } }),
  ];
  const plan = placeFirstFit(instances, demand, 3);
  assert.deepEqual(plan.placements, ["full"]);
  assert.deepEqual(plan.failures, [
    { arn: "draining", reason: "DRAINING" },
    { arn: "gone", reason: "AGENT" },
    { arn: "small", reason: "RESOURCE:CPU" },
    { arn: "full", reason: "RESOURCE:MEMORY" },
  ]);
});

test("a static host port is held by the first task that takes it on an instance", () => {
  const plan = placeFirstFit([instance("a"), instance("b")], { ...demand, memory: 0, ports: [80] }, 3);
  assert.deepEqual(plan.placements, ["a", "b"]);
  assert.deepEqual(plan.failures, [{ arn: "a", reason: "RESOURCE:PORTS" }, { arn: "b", reason: "RESOURCE:PORTS" }]);
  const udp = placeFirstFit([instance("a", { remaining: { cpu: 1024, memory: 512, ports: [], portsUdp: [53] } })], { ...demand, portsUdp: [53] }, 1);
  assert.deepEqual(udp.failures, [{ arn: "a", reason: "RESOURCE:PORTS_UDP" }]);
});
