import { createHash } from "node:crypto";
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
  /** When a healthy target became healthy (epoch ms): slow start ramps from there. */
  healthySince?(key: string): number | undefined;
  /** Per-target credit of the smooth weighted round robin used while a target ramps up. */
  readonly credits?: Map<string, number>;
  now?(): number;
  random?(): number;
}

interface Candidates {
  readonly version: number;
  readonly pool: readonly TargetConfig[];
  readonly keys: readonly string[];
  /** The pool is the healthy targets (not every registered one, failing open). */
  readonly healthy: boolean;
}
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
  const result = { version: version ?? -1, pool, keys: pool.map((t) => targetKey(group.TargetGroupArn, t)), healthy: healthy.length > 0 };
  if (version !== undefined) cache.set(group, result);
  return result;
}

/** Whether some registered target of the group passes its health checks (target group stickiness keeps a client only on such a group). */
export function hasHealthyTarget(group: TargetGroupConfig, state: SelectionState): boolean {
  return candidates(group, state).healthy;
}

/**
 * The target for a new request. Draining targets never get new requests. Healthy targets are
 * preferred; when none is healthy, ALB "fails open" and uses every registered target.
 */
export function chooseTarget(group: TargetGroupConfig, state: SelectionState, stickyKey?: string, sourceIp?: string): TargetConfig | undefined {
  const { pool, keys } = candidates(group, state);
  if (pool.length === 0) return undefined;
  if (sourceIp !== undefined) return pool[rendezvous(sourceIp, keys)]!;
  // A sticky client keeps its target while that target is still a candidate.
  const stickyAt = stickyKey === undefined ? -1 : keys.indexOf(stickyKey);
  if (stickyAt !== -1) return pool[stickyAt];
  const algorithm = group.Attributes["load_balancing.algorithm.type"];
  if (algorithm === "weighted_random") return pool[Math.floor((state.random ?? Math.random)() * pool.length)]!;
  const weights = slowStartWeights(group, keys, state);
  if (weights) {
    if (algorithm === "least_outstanding_requests") {
      // Outstanding requests per unit of share: a ramping target counts as busier than it is.
      const load = keys.map((k, i) => (state.outstanding(k) + 1) / weights[i]!);
      return pool[load.indexOf(Math.min(...load))]!;
    }
    return smoothWeighted(pool, keys, weights, state.credits ?? new Map());
  }
  if (algorithm === "least_outstanding_requests") {
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

/**
 * Slow start (slow_start.duration_seconds): a target that became healthy less than the duration
 * ago gets a share of requests growing linearly from 0 to its full share, as ALB does. Only
 * targets that turned healthy beside a healthy one have a `healthySince` (see HealthMonitor), and
 * nothing ramps unless some candidate is at full share. Null when no target is ramping, so the
 * plain algorithms run.
 */
function slowStartWeights(group: TargetGroupConfig, keys: readonly string[], state: SelectionState): number[] | null {
  const duration = group.Attributes["slow_start.duration_seconds"] * 1000;
  if (duration <= 0 || !state.healthySince) return null;
  const now = (state.now ?? Date.now)();
  const weights = keys.map((k) => {
    const since = state.healthySince!(k);
    return since === undefined ? 1 : Math.min(1, (now - since) / duration);
  });
  if (weights.every((w) => w === 1) || !weights.some((w) => w === 1)) return null;
  // A ramping target with no share yet still must not divide by zero.
  return weights.map((w) => Math.max(w, 1e-6));
}

/** nginx's smooth weighted round robin: every pick adds each weight to its target's credit, the richest target wins and pays the total. */
function smoothWeighted(pool: readonly TargetConfig[], keys: readonly string[], weights: readonly number[], credits: Map<string, number>): TargetConfig {
  let best = 0;
  let total = 0;
  for (let i = 0; i < keys.length; i++) {
    const credit = (credits.get(keys[i]!) ?? 0) + weights[i]!;
    credits.set(keys[i]!, credit);
    total += weights[i]!;
    if (credit > credits.get(keys[best]!)!) best = i;
  }
  credits.set(keys[best]!, credits.get(keys[best]!)! - total);
  return pool[best]!;
}

/**
 * NLB source_ip stickiness: a client address always goes to the same candidate target, with no
 * table to keep. Rendezvous (highest random weight) hashing: each target scores hash(address,
 * target) and the best wins, so a target coming or going moves only the clients it wins or won.
 */
function rendezvous(sourceIp: string, keys: readonly string[]): number {
  let best = 0;
  let bestScore = -1;
  keys.forEach((key, i) => {
    const score = createHash("sha1").update(sourceIp).update("|").update(key).digest().readUInt32BE(0);
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}
