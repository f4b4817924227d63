import type { ClusterIndex } from "../cluster-index.js";
import type { CompiledStrategy } from "../request.js";
import type { PlacementState } from "../state.js";
import { binpackRanker } from "./binpack.js";
import type { Ranker } from "./ranker.js";
import { bucketCounts, spreadByAttributeRanker, spreadByInstanceRanker } from "./spread.js";

/**
 * The request's strategies as rankers, in order.
 *
 * random is a uniform choice among the instances the strategies before it left tied — the same
 * seeded choice that breaks ties after the last strategy — so the list simply ends there:
 * anything after random could never break a tie (random ties have probability zero).
 */
export function buildRankers(strategies: readonly CompiledStrategy[], index: ClusterIndex, state: PlacementState): Ranker[] {
  const rankers: Ranker[] = [];
  for (const s of strategies) {
    if (s.type === "random") break;
    if (s.type === "binpack") rankers.push(binpackRanker(s.resource, s.resource === "cpu" ? state.cpu : state.memory));
    else if (s.field.kind === "instance") rankers.push(spreadByInstanceRanker(state.groupCount));
    else {
      const buckets = index.buckets(s.field.name);
      const initial = index.memoize(`spread:${s.field.name}:${state.group}`, () => bucketCounts(buckets, index.groupCounts(state.group)));
      rankers.push(spreadByAttributeRanker(s.field.name, buckets, state.groupCount, initial));
    }
  }
  return rankers;
}
