import { test } from "node:test";
import assert from "node:assert/strict";
import { lazyDataPlane } from "./lazy-data-plane.js";
import type { DataPlane } from "./data-plane.js";
import type { DataPlaneSnapshot } from "./snapshot.js";

/** A recording stand-in for the worker-backed data plane: counts starts and applies. */
function recorder() {
  const calls: string[] = [];
  let starts = 0;
  const start = (): DataPlane => {
    starts++;
    return {
      apply: async (s) => (calls.push(`apply ${s.loadBalancers.length}`), { frontsSkipped: [] }),
      targetHealth: async () => (calls.push("health"), []),
      trafficCounters: async () => ({ loadBalancers: {} }),
      close: async () => void calls.push("close"),
    };
  };
  return { calls, start, starts: () => starts };
}

const empty: DataPlaneSnapshot = { loadBalancers: [], targetGroups: [] };
const withOne = { loadBalancers: [{}], targetGroups: [] } as unknown as DataPlaneSnapshot;

test("the worker starts with the first load balancer, and then stays", async () => {
  const r = recorder();
  const plane = lazyDataPlane(r.start);
  assert.deepEqual(await plane.apply(empty), { frontsSkipped: [] });
  assert.deepEqual(await plane.targetHealth(), []);
  await plane.close();
  assert.equal(r.starts(), 0, "no load balancer, no worker");

  await plane.apply(withOne);
  await plane.apply(empty);
  await plane.targetHealth();
  await plane.close();
  assert.equal(r.starts(), 1);
  assert.deepEqual(r.calls, ["apply 1", "apply 0", "health", "close"], "once started, every call reaches it, an empty snapshot included");
});
