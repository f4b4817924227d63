import { test } from "node:test";
import assert from "node:assert/strict";
import { planPlacement } from "../plan.js";
import { cluster, instance, request, task } from "../testing/fixtures.js";
import type { ClusterSnapshot, PlacementRequest } from "../types.js";

function place(c: ClusterSnapshot, req: Partial<PlacementRequest>): string[] {
  const r = planPlacement(c, request(req));
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.ok ? r.plan.placements.map((p) => p.instanceId) : [];
}

function tally(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

test("binpack on memory: the instance with the least remaining memory that still fits", () => {
  const c = cluster(instance("big", { memory: 4096 }), instance("mid", { memory: 1024 }), instance("near", { memory: 600 }), instance("tiny", { memory: 300 }));
  const binpack = [{ type: "binpack", field: "memory" }];
  assert.deepEqual(place(c, { memory: 512, strategies: binpack }), ["near"]);
  // near drops to 88 and no longer fits; mid takes the next two, then big.
  assert.deepEqual(place(c, { memory: 512, count: 4, strategies: binpack }), ["near", "mid", "mid", "big"]);
});

test("binpack on cpu packs by remaining cpu", () => {
  const c = cluster(instance("a", { cpu: 2048 }), instance("b", { cpu: 512 }), instance("c", { cpu: 1024 }));
  assert.deepEqual(place(c, { cpu: 256, count: 3, strategies: [{ type: "binpack", field: "CPU" }] }), ["b", "b", "c"]);
});

test("spread on availability zone balances the group's tasks across zones, counting existing ones", () => {
  const c = cluster(
    instance("a1", { az: "a", tasks: [task("t1"), task("t2")] }),
    instance("a2", { az: "a" }),
    instance("b1", { az: "b" }),
    instance("b2", { az: "b", tasks: [task("other", "service:api")] }),
    instance("c1", { az: "c" }),
  );
  const zone = (id: string) => id[0]!;
  const ids = place(c, { count: 4, memory: 64, cpu: 0, strategies: [{ type: "spread", field: "attribute:ecs.availability-zone" }] });
  assert.ok(!ids.slice(0, 2).some((id) => zone(id) === "a"), `zone a already has two: ${ids}`);
  const counts = tally(["a", "a", ...ids.map(zone)]);
  assert.deepEqual(counts, { a: 2, b: 2, c: 2 });
});

test("spread on instanceId (or host) puts the group's tasks evenly on instances", () => {
  const c = cluster(instance("x"), instance("y"), instance("z", { tasks: [task("t")] }));
  for (const field of ["instanceId", "host"]) {
    const ids = place(c, { count: 5, memory: 64, cpu: 0, strategies: [{ type: "spread", field }] });
    assert.deepEqual(tally(["z", ...ids]), { x: 2, y: 2, z: 2 }, field);
  }
});

test("spread on a custom attribute; instances without it form their own bucket", () => {
  const c = cluster(
    instance("p1", { attributes: { stack: "prod" }, tasks: [task("t1")] }),
    instance("d1", { attributes: { stack: "dev" }, tasks: [task("t2")] }),
    instance("n1"),
  );
  assert.deepEqual(place(c, { memory: 64, cpu: 0, strategies: [{ type: "spread", field: "attribute:stack" }] }), ["n1"]);
});

test("ties are broken by the next strategy: spread by zone, then binpack within", () => {
  const c = cluster(instance("a-roomy", { az: "a", memory: 8192 }), instance("a-snug", { az: "a", memory: 1024 }), instance("b-roomy", { az: "b", memory: 8192 }), instance("b-mid", { az: "b", memory: 2048 }));
  const ids = place(c, {
    memory: 512,
    count: 4,
    strategies: [{ type: "spread", field: "attribute:ecs.availability-zone" }, { type: "binpack", field: "memory" }],
  });
  assert.deepEqual(ids, ["a-snug", "b-mid", "a-snug", "b-mid"]);
});

test("random: a uniform seeded choice — every instance comes up, and a seed always gives the same one", () => {
  const c = cluster(instance("a"), instance("b"), instance("c"));
  const picks: string[] = [];
  for (let seed = 0; seed < 300; seed++) {
    const [id] = place(c, { seed, strategies: [{ type: "random" }] });
    assert.deepEqual(place(c, { seed, strategies: [{ type: "random" }] }), [id!], "replay");
    picks.push(id!);
  }
  for (const [id, n] of Object.entries(tally(picks))) assert.ok(n > 60, `${id} chosen ${n}/300 times`);
  assert.equal(Object.keys(tally(picks)).length, 3);
});

test("random ends the strategy list: what follows it cannot matter", () => {
  const c = cluster(instance("big", { memory: 8192 }), instance("small", { memory: 1024 }));
  const picks = new Set<string>();
  for (let seed = 0; seed < 50; seed++) picks.add(place(c, { seed, strategies: [{ type: "random" }, { type: "binpack", field: "memory" }] })[0]!);
  assert.deepEqual([...picks].sort(), ["big", "small"]);
});

test("without strategies, or with every key tied, the seeded generator chooses among the tied", () => {
  const c = cluster(instance("a"), instance("b"), instance("c"), instance("d"));
  for (const strategies of [[], [{ type: "binpack", field: "memory" }]]) {
    const picks = new Set<string>();
    for (let seed = 0; seed < 100; seed++) picks.add(place(c, { seed, strategies })[0]!);
    assert.equal(picks.size, 4, JSON.stringify(strategies));
  }
});
