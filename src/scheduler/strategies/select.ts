import type { Rng } from "../rng.js";
import type { Ranker } from "./ranker.js";

/**
 * Picks the best of `members[0..size)` by the rankers' keys compared in order. Among instances
 * tied on every key one is chosen uniformly by reservoir sampling with the seeded generator:
 * deterministic for a seed, unbiased, one pass, no allocation. `scratch` holds the best keys.
 */
export function selectBest(members: Int32Array, size: number, rankers: readonly Ranker[], rng: Rng, scratch: Float64Array): number {
  const k = rankers.length;
  let best = -1;
  let ties = 0;
  for (let m = 0; m < size; m++) {
    const i = members[m]!;
    if (best < 0) {
      for (let r = 0; r < k; r++) scratch[r] = rankers[r]!.key(i);
      best = i;
      ties = 1;
      continue;
    }
    let r = 0;
    let key = 0;
    for (; r < k; r++) {
      key = rankers[r]!.key(i);
      if (key !== scratch[r]) break;
    }
    if (r === k) {
      if (rng.next() * ++ties < 1) best = i;
    } else if (key < scratch[r]!) {
      scratch[r] = key;
      for (let s = r + 1; s < k; s++) scratch[s] = rankers[s]!.key(i);
      best = i;
      ties = 1;
    }
  }
  return best;
}
