import { ClusterIndex } from "./cluster-index.js";
import { Feasibility } from "./checkers/stack.js";
import { compileRequest } from "./request.js";
import { PlacementState } from "./state.js";
import type { ClusterSnapshot, Placement, PlacementFailure, PlacementRequest } from "./types.js";
import type { PlanResult } from "./plan.js";

/**
 * StartTask: one task on each named instance (by container instance ID or ARN), in the order
 * given, with the same checks as placement but no strategies. An unknown instance is MISSING;
 * one that cannot take the task gets its reason, and the others still get theirs.
 * `request.count` and `request.strategies` are ignored.
 */
export function planStartTask(cluster: ClusterSnapshot | ClusterIndex, request: PlacementRequest, instances: readonly string[]): PlanResult {
  const compiled = compileRequest({ ...request, count: instances.length, strategies: [] });
  if (!compiled.ok) return compiled;
  const index = cluster instanceof ClusterIndex ? cluster : new ClusterIndex(cluster);
  const state = new PlacementState(index, compiled.request.group);
  const feasibility = new Feasibility({ index, state, request: compiled.request });
  const byName = new Map<string, number>();
  index.instances.forEach((inst, i) => {
    byName.set(inst.id, i);
    byName.set(inst.arn, i);
  });
  const placements: Placement[] = [];
  const failures: PlacementFailure[] = [];
  const rejected: Record<string, number> = {};
  for (const name of instances) {
    const i = byName.get(name);
    const reason = i === undefined ? "MISSING" : feasibility.explain(i);
    if (reason !== undefined) {
      failures.push({ arn: i === undefined ? name : index.instances[i]!.arn, reason });
      rejected[reason] = (rejected[reason] ?? 0) + 1;
      continue;
    }
    const inst = index.instances[i!]!;
    const hostPorts = state.place(i!, compiled.request.cpu, compiled.request.memory, compiled.request.ports);
    placements.push({ instanceId: inst.id, instanceArn: inst.arn, hostPorts });
  }
  return { ok: true, plan: { placements, failures, rejected } };
}
