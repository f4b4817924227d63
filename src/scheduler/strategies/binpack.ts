import type { Ranker } from "./ranker.js";

/**
 * binpack on cpu or memory: "the instance with the least amount of remaining memory but still
 * enough to run the task" (ECS API reference). Every candidate already fits, so the key is the
 * remaining amount itself, read live from the plan's state.
 */
export function binpackRanker(resource: "cpu" | "memory", remaining: Float64Array): Ranker {
  return {
    name: `binpack(${resource})`,
    key: (i) => remaining[i]!,
    placed: () => {},
  };
}
