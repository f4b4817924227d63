import { ClusterIndex } from "./cluster-index.js";
import { Placer } from "./placer.js";
import { compileRequest, type RequestError } from "./request.js";
import type { ClusterSnapshot, Placement, PlacementPlan, PlacementRequest } from "./types.js";

export type PlanResult = { readonly ok: true; readonly plan: PlacementPlan } | { readonly ok: false; readonly error: RequestError };

/**
 * Places `request.count` tasks: (snapshot, request) -> plan. Each task sees the ones placed
 * before it (binpack, spread and distinctInstance count them). When a task cannot be placed the
 * plan stops — nothing changes between that task and the next — and reports, per instance, why
 * it could not take it; the tasks placed so far stay in the plan, as RunTask starts them.
 *
 * Pass a ClusterIndex instead of a snapshot to reuse what it has memoised across requests
 * against the same cluster state. An invalid request is an error value, never an exception.
 */
export function planPlacement(cluster: ClusterSnapshot | ClusterIndex, request: PlacementRequest): PlanResult {
  const compiled = compileRequest(request);
  if (!compiled.ok) return compiled;
  const index = cluster instanceof ClusterIndex ? cluster : new ClusterIndex(cluster);
  const placer = new Placer(index, compiled.request);
  const placements: Placement[] = [];
  while (placements.length < compiled.request.count) {
    const p = placer.next();
    if (!p) return { ok: true, plan: { placements, ...placer.failures() } };
    placements.push(p);
  }
  return { ok: true, plan: { placements, failures: [], rejected: {} } };
}
