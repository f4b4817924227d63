import type { ClusterIndex } from "../cluster-index.js";
import type { CompiledStrategy } from "../request.js";
import type { Ranker } from "./ranker.js";

/** A running task that may be stopped: where it runs and what it holds. */
export interface StopCandidate {
  readonly arn: string;
  readonly instance: number;
  readonly cpu: number;
  readonly memory: number;
}

/** The state scale-in changes as it picks tasks: counts of the group and resources given back. */
export interface StopState {
  readonly groupCount: Int32Array;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
}

/**
 * The strategies read backwards, as ECS documents for scale-in. Keys are over candidate tasks
 * (not instances: binpack depends on what the task frees), lower is better, and `placed(t)`
 * records that task t was chosen to stop.
 *
 * - spread: stop where the group is most concentrated, so what remains is best spread
 *   ("a task is selected that leaves the remaining tasks with the best spread").
 * - binpack: "the container instance that has the most available resources remaining after task
 *   termination has that task terminated" — i.e. empty the emptiest instance first.
 * - random: ends the list, as in placement.
 */
export function buildStopRankers(strategies: readonly CompiledStrategy[], index: ClusterIndex, tasks: readonly StopCandidate[], state: StopState): Ranker[] {
  const rankers: Ranker[] = [];
  for (const s of strategies) {
    if (s.type === "random") break;
    if (s.type === "binpack") {
      const remaining = s.resource === "cpu" ? state.cpu : state.memory;
      const need = s.resource;
      rankers.push({ name: `binpack(${need})`, key: (t) => -(remaining[tasks[t]!.instance]! + tasks[t]![need]), placed: () => {} });
    } else if (s.field.kind === "instance") {
      rankers.push({ name: "spread(instanceId)", key: (t) => -state.groupCount[tasks[t]!.instance]!, placed: () => {} });
    } else {
      const { of, values } = index.buckets(s.field.name);
      const counts = new Int32Array(values.length);
      for (let i = 0; i < of.length; i++) counts[of[i]!]! += state.groupCount[i]!;
      rankers.push({
        name: `spread(attribute:${s.field.name})`,
        key: (t) => -counts[of[tasks[t]!.instance]!]!,
        placed: (t) => {
          counts[of[tasks[t]!.instance]!]!--;
        },
      });
    }
  }
  return rankers;
}
