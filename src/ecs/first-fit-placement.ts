import type { Failure } from "@aws-sdk/client-ecs";
import { remainingOf, shortfall, type Capacity, type Reservation } from "./instance-resources.js";

/** An instance as placement sees it: whether it may take tasks, and what it has left. */
export interface PlacementCandidate {
  arn: string;
  status: string;
  agentConnected: boolean;
  remaining: Capacity;
}

export interface FirstFitPlan {
  /** The chosen instance's ARN for each task placed, in order. */
  placements: string[];
  /** Empty when every task was placed; else one entry per instance with its first failing check. */
  failures: Failure[];
}

/**
 * Stand-in for the placement engine (src/scheduler, planPlacement) until RunTask is wired to it:
 * each task goes to the first instance, in registration order, that is ACTIVE, connected and has
 * the cpu, memory and static host ports the task reserves. Tasks placed earlier in the same call
 * count against the instance. When a task fits nowhere, placement stops and every instance is
 * reported with the first check it failed, as ECS reports RunTask's failures[]. Pure.
 */
export function placeFirstFit(instances: PlacementCandidate[], demand: Reservation, count: number): FirstFitPlan {
  const left = new Map(instances.map((i) => [i.arn, i.remaining]));
  const placements: string[] = [];
  for (let n = 0; n < count; n++) {
    const reasons = instances.map((i) => ({ arn: i.arn, reason: rejection(i, left.get(i.arn)!, demand) }));
    const fit = reasons.find((r) => r.reason === undefined);
    if (!fit) return { placements, failures: reasons.map((r) => ({ arn: r.arn, reason: r.reason })) };
    left.set(fit.arn, remainingOf(left.get(fit.arn)!, [demand]));
    placements.push(fit.arn);
  }
  return { placements, failures: [] };
}

/** Why an instance cannot take the task, in the order the checks run; undefined when it can. */
function rejection(i: PlacementCandidate, remaining: Capacity, demand: Reservation): string | undefined {
  // A DRAINING instance gets no new tasks; its status is the reason, as the scheduler reports it.
  if (i.status !== "ACTIVE") return i.status;
  if (!i.agentConnected) return "AGENT";
  return shortfall(remaining, demand);
}
