import type { CapacityProviderStrategyItem } from "@aws-sdk/client-ecs";
import { invalidParameter } from "../errors.js";

/** The built-in providers every account has; they run tasks as the FARGATE launch type. */
export const FARGATE_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;
export const isFargateProvider = (name: string | undefined) => name === "FARGATE" || name === "FARGATE_SPOT";
/** A strategy that names only FARGATE and FARGATE_SPOT (its tasks run as FARGATE; otherwise as EC2 on Auto Scaling group providers). */
export const isFargateStrategy = (strategy: CapacityProviderStrategyItem[] | undefined) => !!strategy?.length && strategy.every((s) => isFargateProvider(s.capacityProvider));

/**
 * The checks ECS makes on any capacity provider strategy (cluster default, service, RunTask),
 * before it looks at which providers exist.
 */
export function validateStrategy(strategy: CapacityProviderStrategyItem[]): void {
  if (strategy.length > 20) throw invalidParameter("The capacity provider strategy can contain a maximum of 20 capacity providers.");
  const names = new Set<string>();
  for (const s of strategy) {
    if (names.has(s.capacityProvider!)) throw invalidParameter(`The capacity provider strategy contains a duplicate capacity provider: ${s.capacityProvider}.`);
    names.add(s.capacityProvider!);
  }
  if (strategy.filter((s) => (s.base ?? 0) > 0).length > 1) {
    throw invalidParameter("Only one capacity provider in a capacity provider strategy can have a base defined.");
  }
  // A lone provider is used whatever its weight; among several, weight 0 only ever takes the base.
  if (strategy.length > 1 && !strategy.some((s) => (s.weight ?? 0) > 0)) {
    throw invalidParameter("At least one capacity provider in a capacity provider strategy must have a weight greater than zero.");
  }
}

/**
 * Which provider each of `count` new tasks goes to, as ECS splits them: while the provider with
 * a base runs fewer tasks than its base, it takes the next one; after that each task goes to
 * the weighted provider that would be least above its share of the tasks beyond the bases
 * (ties to the one named first). `existing` counts the tasks each provider already runs for the
 * same service, so a service keeps its split as it scales and replaces tasks; RunTask starts
 * from nothing. Deterministic: the same inputs give the same split.
 */
export function splitByStrategy(strategy: CapacityProviderStrategyItem[], count: number, existing: Record<string, number> = {}): string[] {
  const items = strategy.map((s) => ({ name: s.capacityProvider!, base: s.base ?? 0, weight: s.weight ?? 0, n: existing[s.capacityProvider!] ?? 0 }));
  if (items.length === 0) return [];
  const weighted = items.filter((i) => i.weight > 0);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let pick = items.find((i) => i.n < i.base);
    if (!pick) {
      if (weighted.length === 0) pick = items[0]!;
      else {
        const load = (i: (typeof items)[number]) => (Math.max(0, i.n - i.base) + 1) / i.weight;
        pick = weighted.reduce((best, i) => (load(i) < load(best) ? i : best));
      }
    }
    pick.n++;
    out.push(pick.name);
  }
  return out;
}

/** The split as runs of one provider each, in the order of the strategy (one task batch per provider). */
export function groupByProvider(names: string[]): Array<{ provider: string; count: number }> {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([provider, count]) => ({ provider, count }));
}
