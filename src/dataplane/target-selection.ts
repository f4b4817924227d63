import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetConfig, TargetGroupConfig } from "./snapshot.js";
import { targetKey } from "./snapshot.js";

/** The target group a forward action sends this request to: by weight when there are several. */
export function chooseTargetGroup(action: Action, random = Math.random): string | undefined {
  const groups = action.ForwardConfig?.TargetGroups;
  if (!groups || groups.length === 0) return action.TargetGroupArn;
  // The common case (the API fills ForwardConfig in for a plain forward): no weights to draw.
  if (groups.length === 1) return (groups[0]!.Weight ?? 1) > 0 ? groups[0]!.TargetGroupArn : undefined;
  const weighted = groups.filter((g) => g.TargetGroupArn !== undefined).map((g) => ({ arn: g.TargetGroupArn!, weight: g.Weight ?? 1 }));
  const total = weighted.reduce((sum, g) => sum + g.weight, 0);
  if (total <= 0) return undefined;
  let pick = random() * total;
  for (const g of weighted) {
    if (pick < g.weight) return g.arn;
    pick -= g.weight;
  }
  return weighted.at(-1)?.arn;
}

export interface SelectionState {
  /** Whether a target currently passes its health checks (healthy, or checks disabled). */
  isHealthy(key: string): boolean;
  /** Requests sent to a target and not yet answered. */
  outstanding(key: string): number;
  /** Round-robin position per target group. */
  readonly cursors: Map<string, number>;
  /**
   * Changes whenever any target's health does. When given, each group's candidate targets are
   * computed once per change instead of per request (see candidates()).
   */
  healthVersion?(): number;
}

interface Candidates { readonly version: number; readonly pool: readonly TargetConfig[]; readonly keys: readonly string[] }
// Snapshots are immutable, so a group's candidates depend only on the group and the health version.
const cache = new WeakMap<TargetGroupConfig, Candidates>();

/** The targets a new request may go to, and their keys: draining ones never; healthy ones, else all (fail open). */
function candidates(group: TargetGroupConfig, state: SelectionState): Candidates {
  const version = state.healthVersion?.();
  const cached = version === undefined ? undefined : cache.get(group);
  if (cached && cached.version === version) return cached;
  const registered = group.Targets.filter((t) => t.State === "registered");
  const healthy = registered.filter((t) => state.isHealthy(targetKey(group.TargetGroupArn, t)));
  const pool = healthy.length > 0 ? healthy : registered;
  const result = { version: version ?? -1, pool, keys: pool.map((t) => targetKey(group.TargetGroupArn, t)) };
  if (version !== undefined) cache.set(group, result);
  return result;
}

/**
 * The target for a new request. Draining targets never get new requests. Healthy targets are
 * preferred; when none is healthy, ALB "fails open" and uses every registered target.
 */
export function chooseTarget(group: TargetGroupConfig, state: SelectionState, stickyKey?: string): TargetConfig | undefined {
  const { pool, keys } = candidates(group, state);
  if (pool.length === 0) return undefined;
  // A sticky client keeps its target while that target is still a candidate.
  const stickyAt = stickyKey === undefined ? -1 : keys.indexOf(stickyKey);
  if (stickyAt !== -1) return pool[stickyAt];
  if (group.Attributes["load_balancing.algorithm.type"] === "least_outstanding_requests") {
    // Ties go round robin so an idle group still spreads its load.
    const counts = keys.map((k) => state.outstanding(k));
    const least = Math.min(...counts);
    return roundRobin(group.TargetGroupArn, pool.filter((_, i) => counts[i] === least), state.cursors);
  }
  return roundRobin(group.TargetGroupArn, pool, state.cursors);
}

function roundRobin(arn: string, pool: readonly TargetConfig[], cursors: Map<string, number>): TargetConfig {
  const next = (cursors.get(arn) ?? 0) % pool.length;
  cursors.set(arn, next + 1);
  return pool[next]!;
}
