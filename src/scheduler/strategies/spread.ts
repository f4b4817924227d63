import type { Buckets } from "../cluster-index.js";
import type { Ranker } from "./ranker.js";

/**
 * spread on instanceId (or host): the instance running the fewest tasks of the group.
 * "Service tasks are spread based on the tasks from that service; standalone tasks based on the
 * tasks from the same task group" — so the counts are of the request's group.
 */
export function spreadByInstanceRanker(groupCount: Int32Array): Ranker {
  return { name: "spread(instanceId)", key: (i) => groupCount[i]!, placed: () => {} };
}

/**
 * spread on attribute:NAME (ecs.availability-zone, a custom attribute, ...): the instance whose
 * attribute value holds the fewest tasks of the group across the whole cluster. Instances
 * without the attribute form one bucket of their own. Counts are per bucket, so one placement
 * updates one counter however many instances share the value.
 */
export function spreadByAttributeRanker(name: string, buckets: Buckets, groupCount: Int32Array, initial?: Int32Array): Ranker {
  const of = buckets.of;
  // `initial` (memoised per index, attribute and group) saves the pass over every instance.
  const counts = initial ? initial.slice() : bucketCounts(buckets, groupCount);
  return {
    name: `spread(attribute:${name})`,
    key: (i) => counts[of[i]!]!,
    placed: (i) => {
      counts[of[i]!]!++;
    },
  };
}

/** The group's tasks per bucket. */
export function bucketCounts(buckets: Buckets, groupCount: Int32Array): Int32Array {
  const counts = new Int32Array(buckets.values.length);
  for (let i = 0; i < buckets.of.length; i++) counts[buckets.of[i]!]! += groupCount[i]!;
  return counts;
}
