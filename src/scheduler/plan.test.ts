import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterIndex } from "./cluster-index.js";
import { planPlacement } from "./plan.js";
import { cluster, instance, request, task } from "./testing/fixtures.js";
import type { PlacementRequest } from "./types.js";

function invalid(req: Partial<PlacementRequest>, message: RegExp) {
  const r = planPlacement(cluster(instance("a")), request(req));
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, message);
  return r;
}

test("an invalid request is an error value saying what is wrong", () => {
  const r = invalid({ constraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~" }] }, /column 31: expected an argument/);
  assert.equal(!r.ok && r.error.field, "placementConstraints");
  assert.equal(!r.ok && r.error.cql?.column, 31);
  invalid({ constraints: [{ type: "memberOf" }] }, /requires an expression/);
  invalid({ constraints: [{ type: "distinctInstance", expression: "attribute:a exists" }] }, /cannot have an expression/);
  invalid({ constraints: [{ type: "sameInstance" }] }, /Unknown placement constraint type/);
  invalid({ constraints: Array.from({ length: 11 }, () => ({ type: "distinctInstance" })) }, /at most 10/);
  invalid({ strategies: [{ type: "binpack", field: "disk" }] }, /binpack placement strategy needs field cpu or memory/);
  invalid({ strategies: [{ type: "spread" }] }, /spread placement strategy needs field/);
  invalid({ strategies: [{ type: "pack" }] }, /Unknown placement strategy type/);
  invalid({ strategies: Array.from({ length: 6 }, () => ({ type: "random" })) }, /at most 5/);
  invalid({ launchType: "FARGATE" }, /not placed on container instances/);
  invalid({ ports: [{ hostPort: 80 }, { hostPort: 80 }] }, /more than once/);
  invalid({ ports: [{ hostPort: 70000 }] }, /between 0 and 65535/);
  invalid({ count: 1.5 }, /whole number/);
  invalid({ memory: -1 }, /memory must be/);
});

test("no instances at all: one MISSING failure for the cluster", () => {
  const r = planPlacement(cluster(), request({ count: 2 }));
  assert.deepEqual(r.ok && r.plan, { placements: [], failures: [{ arn: "arn:aws:ecs:us-east-1:000000000000:cluster/test", reason: "MISSING" }], rejected: { MISSING: 1 } });
});

test("what fits is placed; then each instance is reported once with its reason", () => {
  const c = cluster(instance("a", { memory: 600 }), instance("b", { memory: 700, cpu: 100 }), instance("c", { memory: 600, status: "DRAINING" }), instance("d", { agentConnected: false }));
  const r = planPlacement(c, request({ cpu: 0, memory: 512, count: 3, strategies: [{ type: "binpack", field: "memory" }] }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.plan.placements.map((p) => p.instanceId), ["a", "b"]);
  assert.deepEqual(r.plan.failures, [
    { arn: c.instances[0]!.arn, reason: "RESOURCE:MEMORY" },
    { arn: c.instances[1]!.arn, reason: "RESOURCE:MEMORY" },
    { arn: c.instances[2]!.arn, reason: "DRAINING" },
    { arn: c.instances[3]!.arn, reason: "AGENT" },
  ]);
  assert.deepEqual(r.plan.rejected, { "RESOURCE:MEMORY": 2, DRAINING: 1, AGENT: 1 });
});

test("distinctInstance with count places one task per instance and reports the rest as ATTRIBUTE", () => {
  const c = cluster(instance("a"), instance("b"), instance("c", { tasks: [task("t")] }));
  const r = planPlacement(c, request({ count: 3, constraints: [{ type: "distinctInstance" }] }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.plan.placements.map((p) => p.instanceId).sort(), ["a", "b"]);
  assert.deepEqual(new Set(r.plan.failures.map((f) => f.reason)), new Set(["ATTRIBUTE"]));
});

test("host ports: static as asked, dynamic the lowest free of the range, never handed out twice", () => {
  const c = cluster(instance("a", { ports: [22, 50000], dynamicPortRange: { from: 50000, to: 50010 } }));
  const r = planPlacement(c, request({ count: 2, cpu: 0, memory: 0, ports: [{ hostPort: 0 }, { hostPort: 8080 }, { protocol: "udp", hostPort: 0 }] }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.plan.placements[0]!.hostPorts, [
    { protocol: "tcp", hostPort: 50001 },
    { protocol: "tcp", hostPort: 8080 },
    { protocol: "udp", hostPort: 50000 },
  ]);
  assert.equal(r.plan.placements.length, 1, "8080 is taken by the first task, so the second cannot go on the only instance");
  assert.deepEqual(r.plan.failures, [{ arn: c.instances[0]!.arn, reason: "RESOURCE:PORTS" }]);
  const dyn = planPlacement(c, request({ count: 3, cpu: 0, memory: 0, ports: [{ hostPort: 0 }] }));
  assert.deepEqual(dyn.ok && dyn.plan.placements.map((p) => p.hostPorts[0]!.hostPort), [50001, 50002, 50003]);
});

test("the same seed gives the same plan; a ClusterIndex gives what the snapshot gives and is not changed by plans", () => {
  const c = cluster(...Array.from({ length: 12 }, (_, i) => instance(`i${i}`, { az: `z${i % 3}`, memory: 1024 * (1 + (i % 4)) })));
  const req = request({ count: 8, memory: 256, strategies: [{ type: "spread", field: "attribute:ecs.availability-zone" }, { type: "binpack", field: "memory" }] });
  const index = new ClusterIndex(c);
  const first = planPlacement(index, req);
  assert.deepEqual(planPlacement(index, req), first, "a plan leaves the index as it found it");
  assert.deepEqual(planPlacement(c, req), first);
  const seeds = new Set<string>();
  for (let seed = 0; seed < 20; seed++) seeds.add(JSON.stringify(planPlacement(index, { ...req, seed })));
  assert.ok(seeds.size > 1, "seeds do steer the ties");
});

test("the benchmark's request: memberOf t3.*, spread over zones, binpack on memory", () => {
  const c = cluster(
    instance("t3-a", { az: "a", type: "t3.large", memory: 2048 }),
    instance("m5-a", { az: "a", type: "m5.large", memory: 512 }),
    instance("t3-b", { az: "b", type: "t3.medium", memory: 1024 }),
    instance("t3-b2", { az: "b", type: "t3.xlarge", memory: 8192 }),
  );
  const r = planPlacement(c, request({
    count: 4,
    memory: 512,
    cpu: 0,
    constraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }],
    strategies: [{ type: "spread", field: "attribute:ecs.availability-zone" }, { type: "binpack", field: "memory" }],
  }));
  assert.ok(r.ok);
  const ids = r.ok ? r.plan.placements.map((p) => p.instanceId) : [];
  assert.ok(!ids.includes("m5-a"));
  assert.deepEqual(ids.slice(2).sort(), ids.slice(0, 2).sort(), "two rounds over the two zones, same instances each round");
  assert.deepEqual(new Set(ids), new Set(["t3-a", "t3-b"]));
});
