import { launchBackoffMs, SELF_STOPPED, THROTTLE_AFTER_FAILURES } from "./deployment-rules.js";
import { serviceMessages } from "./service-events.js";
import { noteSteadyState } from "./steady-state.js";
import type { PlanTask, ServicePlan, ServicePlanInput } from "./service-plan-types.js";
import { countsAsHealthy, healthFailure } from "./task-health.js";

/**
 * One decision for a service whose tasks belong to task sets (EXTERNAL and CODE_DEPLOY
 * deployment controllers): each task set keeps exactly its computedDesiredCount of tasks.
 * The external controller decides how traffic and scale move between sets, so none of the
 * rolling update's bounds (minimumHealthyPercent, maximumPercent) nor the circuit breaker apply,
 * as in ECS; tasks failing their health checks are still replaced (and, as for every service,
 * launches are throttled after repeated failures), protected tasks are never
 * chosen for scale-in, and the tasks of a DRAINING (deleted) task set or of none all go.
 * Pure, as planService is: the caller carries the plan out.
 */
export function planTaskSets(input: ServicePlanInput): ServicePlan {
  const { now, name } = input;
  const sets = input.taskSets ?? [];
  const events: string[] = [];
  const state = { ...input.state };
  const stops = new Map<string, string>();
  const accounted: string[] = [];
  let newFailures = 0;
  const countFailure = () => {
    newFailures++;
    state.consecutiveFailures++;
  };
  for (const t of input.tasks) {
    if (t.lastStatus !== "STOPPED" || t.accounted) continue;
    accounted.push(t.arn);
    if (SELF_STOPPED.has(t.stopCode ?? "") && !t.stoppedWhileDown) countFailure();
  }
  for (const t of input.tasks) {
    const failure = healthFailure(t, now, input.healthCheckGracePeriodSeconds, name);
    if (!failure) continue;
    stops.set(t.arn, failure.reason);
    events.push(...failure.events);
    if (!t.accounted) {
      accounted.push(t.arn);
      countFailure();
    }
  }
  // The throttle, as planService applies it: after repeated failures, launches wait longer and longer.
  if (newFailures > 0) {
    const wait = launchBackoffMs(state.consecutiveFailures);
    if (wait > 0) {
      state.launchNotBefore = now + wait;
      if (state.consecutiveFailures - newFailures < THROTTLE_AFTER_FAILURES) events.push(serviceMessages.throttled(name));
    }
  }
  const launchable = state.launchNotBefore === undefined || now >= state.launchNotBefore;

  const wanted = (t: PlanTask) => t.lastStatus !== "STOPPED" && t.desiredStatus === "RUNNING" && !stops.has(t.arn);
  const choose = input.chooseToStop ?? ((c: readonly PlanTask[], n: number) => c.slice(0, n));
  const draining = input.status === "DRAINING";
  const known = new Set(sets.map((s) => s.id));
  const reason = (id: string) => `Scaling activity initiated by (deployment ${id})`;

  // Tasks of a task set that no longer exists go at once.
  for (const t of input.tasks) if (wanted(t) && !known.has(t.deploymentId)) stops.set(t.arn, reason(t.deploymentId));

  const starts: Array<{ deploymentId: string; count: number }> = [];
  for (const set of sets) {
    const desired = draining ? 0 : set.desiredCount;
    const mine = input.tasks.filter((t) => t.deploymentId === set.id && wanted(t));
    const excess = mine.length - desired;
    if (excess > 0) {
      // Tasks not (yet) healthy go first; protected tasks stay, as ECS leaves them.
      const stoppable = mine.filter((t) => !t.protected);
      const other = stoppable.filter((t) => !countsAsHealthy(t, now));
      const fit = stoppable.filter((t) => countsAsHealthy(t, now));
      const pick = (from: PlanTask[], n: number) => (n > 0 && from.length ? choose(from, Math.min(n, from.length)).slice(0, n) : []);
      const first = pick(other, excess);
      const rest = pick(fit, excess - first.length);
      for (const t of [...first, ...rest]) stops.set(t.arn, reason(set.id));
    } else if (excess < 0 && !draining && launchable) {
      starts.push({ deploymentId: set.id, count: -excess });
    }
  }

  const stopped = [...stops.keys()];
  if (stopped.length) events.push(serviceMessages.stopped(name, stopped));
  const live = input.tasks.filter((t) => t.lastStatus !== "STOPPED");
  const steady =
    !draining && starts.length === 0 && stopped.length === 0 &&
    sets.every((s) => {
      const mine = live.filter((t) => t.deploymentId === s.id);
      return mine.length === s.desiredCount && mine.every((t) => t.lastStatus === "RUNNING" && t.desiredStatus === "RUNNING");
    }) &&
    live.every((t) => known.has(t.deploymentId));
  noteSteadyState(state, steady, { now, name, events });

  return {
    deployments: [],
    accounted,
    stops: [...stops].map(([taskArn, why]) => ({ taskArn, reason: why })),
    ...(starts.length ? { taskSetStarts: starts } : {}),
    events,
    state,
    inactive: draining && live.length === 0,
    desiredCount: input.desiredCount,
  };
}
