import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetConfig, TargetGroupConfig } from "./snapshot.js";
import { targetKey } from "./snapshot.js";

/** The target group a forward action sends this request to: by weight when there are several. */
export function chooseTargetGroup(action: Action, random = Math.random): string | undefined {
  const groups = action.ForwardConfig?.TargetGroups;
  if (!groups || groups.length === 0) return action.TargetGroupArn;
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
}

/**
 * The target for a new request. Draining targets never get new requests. Healthy targets are
 * preferred; when none is healthy, ALB "fails open" and uses every registered target.
 */
export function chooseTarget(group: TargetGroupConfig, state: SelectionState, stickyKey?: string): TargetConfig | undefined {
  const registered = group.Targets.filter((t) => t.State === "registered");
  const healthy = registered.filter((t) => state.isHealthy(targetKey(group.TargetGroupArn, t)));
  const pool = healthy.length > 0 ? healthy : registered;
  if (pool.length === 0) return undefined;
  // A sticky client keeps its target while that target is still a candidate.
  const sticky = stickyKey === undefined ? undefined : pool.find((t) => targetKey(group.TargetGroupArn, t) === stickyKey);
  if (sticky) return sticky;
  if (group.Attributes["load_balancing.algorithm.type"] === "least_outstanding_requests") {
    // Ties go round robin so an idle group still spreads its load.
    const least = Math.min(...pool.map((t) => state.outstanding(targetKey(group.TargetGroupArn, t))));
    return roundRobin(group.TargetGroupArn, pool.filter((t) => state.outstanding(targetKey(group.TargetGroupArn, t)) === least), state.cursors);
  }
  return roundRobin(group.TargetGroupArn, pool, state.cursors);
}

function roundRobin(arn: string, pool: readonly TargetConfig[], cursors: Map<string, number>): TargetConfig {
  const next = (cursors.get(arn) ?? 0) % pool.length;
  cursors.set(arn, next + 1);
  return pool[next]!;
}
