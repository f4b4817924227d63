import { test } from "node:test";
import assert from "node:assert/strict";
import { selectTasksToStop, type ScaleInRequest } from "./scale-in.js";
import { Gen, ZONES } from "./testing/generate.js";
import { cluster, instance, task } from "./testing/fixtures.js";
import type { ClusterSnapshot } from "./types.js";

function stop(c: ClusterSnapshot, req: Partial<ScaleInRequest>): readonly string[] {
  const r = selectTasksToStop(c, { group: "service:web", count: 1, seed: 1, ...req });
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.ok ? r.taskArns : [];
}

test("by default, stop in the zone with the most of the service's tasks, on its most loaded instance", () => {
  const c = cluster(
    instance("a1", { az: "a", tasks: [task("a1-1"), task("a1-2")] }),
    instance("a2", { az: "a", tasks: [task("a2-1")] }),
    instance("b1", { az: "b", tasks: [task("b1-1"), task("x", "service:api"), task("y", "service:api")] }),
    instance("c1", { az: "c", tasks: [task("c1-1")] }),
  );
  const first = stop(c, { count: 1 })[0]!;
  assert.match(first, /^a1-/, "zone a has 3, and a1 holds 2 of them");
  const three = stop(c, { count: 3 });
  assert.match(three[1]!, /^a/, "a still has 2 after the first, more than b or c");
  assert.ok(!three.includes("x") && !three.includes("y"), "other groups are never stopped");
});

test("spread on a zone leaves the best spread; within a zone the choice is seeded", () => {
  const tasks = (id: string, n: number) => Array.from({ length: n }, (_, k) => task(`${id}-${k}`));
  const c = cluster(instance("a1", { az: "a", tasks: tasks("a1", 2) }), instance("a2", { az: "a", tasks: tasks("a2", 2) }), instance("b1", { az: "b", tasks: tasks("b1", 1) }));
  const spread = [{ type: "spread", field: "attribute:ecs.availability-zone" }];
  const picks = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const [arn] = stop(c, { seed, strategies: spread });
    assert.match(arn!, /^a/);
    picks.add(arn!.slice(0, 2));
  }
  assert.deepEqual([...picks].sort(), ["a1", "a2"], "any task of zone a may go");
  // a:4 b:1 -> a:3 -> a:2 -> a:1; only then are the zones tied.
  assert.deepEqual(stop(c, { count: 3, strategies: spread }).map((a) => a[0]), ["a", "a", "a"]);
});

test("spread on instanceId stops on the instance with the most tasks of the group", () => {
  const c = cluster(instance("x", { tasks: [task("x1"), task("x2"), task("x3")] }), instance("y", { tasks: [task("y1")] }));
  assert.deepEqual(stop(c, { count: 2, strategies: [{ type: "spread", field: "instanceId" }] }).map((a) => a[0]), ["x", "x"]);
});

test("binpack stops the task whose instance has the most resources left after it stops", () => {
  const c = cluster(
    instance("packed", { memory: 100, tasks: [task("p1", "service:web", { memory: 512 })] }),
    instance("roomy", { memory: 3000, tasks: [task("r1", "service:web", { memory: 256 })] }),
    instance("mid", { memory: 1000, tasks: [task("m1", "service:web", { memory: 2048 })] }),
  );
  // After stopping: packed 612, roomy 3256, mid 3048 — roomy goes first, then mid.
  assert.deepEqual(stop(c, { count: 2, strategies: [{ type: "binpack", field: "memory" }] }), ["r1", "m1"]);
});

test("only the given tasks are candidates; asking for more than exist returns what there is", () => {
  const c = cluster(instance("a", { tasks: [task("old-1"), task("old-2"), task("new-1")] }));
  assert.deepEqual(stop(c, { count: 5, taskArns: ["old-1", "old-2"] }).slice().sort(), ["old-1", "old-2"]);
  assert.deepEqual(stop(c, { count: 0 }), []);
});

test("invalid strategies and counts are error values", () => {
  const c = cluster(instance("a"));
  const bad = selectTasksToStop(c, { group: "g", count: 1, seed: 1, strategies: [{ type: "binpack", field: "disk" }] });
  assert.equal(bad.ok, false);
  assert.equal(selectTasksToStop(c, { group: "g", count: -1, seed: 1 }).ok, false);
});

test("property: each stop under zone spread comes from a zone holding the most tasks then, and replay is exact", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const g = new Gen(seed);
    const instances = Array.from({ length: g.int(1, 9) }, (_, i) =>
      instance(`i${i}`, { az: g.pick(ZONES), tasks: Array.from({ length: g.int(0, 4) }, (_, k) => task(`i${i}-t${k}`, g.pick(["service:web", "service:api"]))) }),
    );
    const c = cluster(...instances);
    const req = { group: "service:web", count: g.int(0, 8), seed, strategies: [{ type: "spread", field: "attribute:ecs.availability-zone" }] };
    const r = selectTasksToStop(c, req);
    assert.ok(r.ok);
    if (!r.ok) continue;
    assert.deepEqual(selectTasksToStop(c, req), r, `seed ${seed}: replay`);
    const zoneOf = new Map(instances.flatMap((inst) => (inst.tasks ?? []).map((t) => [t.arn, inst.attributes![0]!.value!] as const)));
    const counts = new Map<string, number>();
    for (const inst of instances) for (const t of inst.tasks ?? []) if (t.group === "service:web") counts.set(zoneOf.get(t.arn)!, (counts.get(zoneOf.get(t.arn)!) ?? 0) + 1);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    assert.equal(r.taskArns.length, Math.min(req.count, total), `seed ${seed}`);
    for (const arn of r.taskArns) {
      const zone = zoneOf.get(arn)!;
      assert.ok(arn.length && counts.get(zone)! === Math.max(...counts.values()), `seed ${seed}: ${arn} from ${zone} while another zone holds more`);
      counts.set(zone, counts.get(zone)! - 1);
    }
  }
});
