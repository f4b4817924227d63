import type { DataPlane } from "./data-plane.js";

/**
 * A data plane whose worker thread starts with the first load balancer: a Berth that never uses
 * ELBv2 does not pay for the worker's own V8 heap (about 30 MiB). Once started it stays up, so
 * a configuration swap never restarts it; until then there is no traffic and no health to tell.
 */
export function lazyDataPlane(start: () => DataPlane): DataPlane {
  let plane: DataPlane | undefined;
  return {
    apply(snapshot) {
      if (!plane && snapshot.loadBalancers.length === 0) return Promise.resolve({ frontsSkipped: [] });
      plane ??= start();
      return plane.apply(snapshot);
    },
    targetHealth: () => (plane ? plane.targetHealth() : Promise.resolve([])),
    trafficCounters: () => (plane ? plane.trafficCounters() : Promise.resolve({ loadBalancers: {} })),
    close: () => (plane ? plane.close() : Promise.resolve()),
  };
}
