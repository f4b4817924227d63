import { CandidateSet } from "./candidate-set.js";
import { ClusterIndex } from "./cluster-index.js";
import { compileStrategy, MAX_STRATEGIES, type CompiledStrategy, type RequestError } from "./request.js";
import { createRng } from "./rng.js";
import { selectBest } from "./strategies/select.js";
import { buildStopRankers, type StopCandidate } from "./strategies/stop-rankers.js";
import type { ClusterSnapshot, PlacementStrategy } from "./types.js";

export interface ScaleInRequest {
  /** The service's task group (service:NAME). */
  readonly group: string;
  /** How many tasks to stop. */
  readonly count: number;
  /** The service's placement strategies; none means ECS's default balance (below). */
  readonly strategies?: readonly PlacementStrategy[];
  readonly seed: number | string;
  /** Only these tasks may be stopped (say, one deployment's); default: every task of the group. */
  readonly taskArns?: readonly string[];
}

export type ScaleInResult = { readonly ok: true; readonly taskArns: readonly string[] } | { readonly ok: false; readonly error: RequestError };

/**
 * With no strategy ECS keeps Availability Zones balanced: stop in the zone with the most tasks
 * of the service, favouring the instance with the most of them.
 */
export const DEFAULT_SCALE_IN_STRATEGIES: readonly CompiledStrategy[] = [
  { type: "spread", field: { kind: "attribute", name: "ecs.availability-zone" } },
  { type: "spread", field: { kind: "instance" } },
];

/**
 * Chooses which of a service's running tasks to stop when it scales in, in stop order, by its
 * placement strategies read backwards. Each choice sees the ones before it; ties are broken by
 * the seeded generator. Returns fewer than `count` ARNs only when there are fewer candidates.
 */
export function selectTasksToStop(cluster: ClusterSnapshot | ClusterIndex, req: ScaleInRequest): ScaleInResult {
  if (!Number.isInteger(req.count) || req.count < 0) return { ok: false, error: { field: "count", message: "count must be a whole number of at least 0." } };
  const rules = req.strategies ?? [];
  if (rules.length > MAX_STRATEGIES) return { ok: false, error: { field: "placementStrategy", message: `A task can have at most ${MAX_STRATEGIES} placement strategy rules.` } };
  const strategies: CompiledStrategy[] = [];
  for (const s of rules) {
    const c = compileStrategy(s);
    if ("message" in c) return { ok: false, error: { field: "placementStrategy", message: c.message } };
    strategies.push(c);
  }

  const index = cluster instanceof ClusterIndex ? cluster : new ClusterIndex(cluster);
  const allowed = req.taskArns ? new Set(req.taskArns) : undefined;
  const tasks: StopCandidate[] = [];
  index.instances.forEach((inst, i) => {
    for (const t of inst.tasks ?? []) {
      if (t.group !== req.group || (allowed && !allowed.has(t.arn))) continue;
      tasks.push({ arn: t.arn, instance: i, cpu: t.cpu ?? 0, memory: t.memory ?? 0 });
    }
  });

  const state = { groupCount: index.groupCounts(req.group).slice(), cpu: index.cpu.slice(), memory: index.memory.slice() };
  const rankers = buildStopRankers(strategies.length ? strategies : DEFAULT_SCALE_IN_STRATEGIES, index, tasks, state);
  const rng = createRng(req.seed);
  const scratch = new Float64Array(rankers.length);
  const remaining = new CandidateSet(tasks.length);
  for (let t = 0; t < tasks.length; t++) remaining.add(t);

  const chosen: string[] = [];
  while (chosen.length < req.count && remaining.size > 0) {
    const t = selectBest(remaining.members, remaining.size, rankers, rng, scratch);
    const task = tasks[t]!;
    remaining.remove(t);
    state.groupCount[task.instance]!--;
    state.cpu[task.instance]! += task.cpu;
    state.memory[task.instance]! += task.memory;
    for (const r of rankers) r.placed(t);
    chosen.push(task.arn);
  }
  return { ok: true, taskArns: chosen };
}
