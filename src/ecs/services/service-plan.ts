import { circuitBreakerThreshold, isRollbackStageKey, launchBackoffMs, stageOfKey, SELF_STOPPED, THROTTLE_AFTER_FAILURES } from "./deployment-rules.js";
import { rolloutReasons, serviceMessages } from "./service-events.js";
import { noteSteadyState } from "./steady-state.js";
import type { DeploymentFailure, PlanDeployment, PlanTask, ServicePlan, ServicePlanInput, ShiftTo } from "./service-plan-types.js";
import { planReplicas } from "./replica-plan.js";
import { planDaemon } from "./daemon-plan.js";
import { planTaskSets } from "./task-set-plan.js";
import { countsAsHealthy, healthFailure } from "./task-health.js";


/** What replica-plan and daemon-plan work with: the decision so far and how tasks are read. */
export interface PlanContext {
  input: ServicePlanInput;
  primary: PlanDeployment;
  /** New tasks may be launched for the primary deployment now. */
  launchable: boolean;
  stops: Map<string, string>;
  /** Desired RUNNING, not STOPPED, and not being stopped by this decision. */
  wanted(t: PlanTask): boolean;
  /** Counts towards minimumHealthyPercent (judged before this decision's stops). */
  healthy(t: PlanTask): boolean;
  /** Not STOPPED yet, whatever is desired: what maximumPercent counts. */
  live: readonly PlanTask[];
  stop(t: PlanTask, reason: string): void;
  choose(candidates: readonly PlanTask[], count: number): readonly PlanTask[];
  scalingReason: string;
  /** The deployment the PRIMARY rolls back to, when it is a rollback. */
  rollback: string | undefined;
  /**
   * Lifecycle hooks: whether the primary may go past the stage `key` (no hook there, or they all
   * succeeded). The first closed gate of a decision is the stage the deployment waits at.
   */
  gate(key: string): boolean;
}

export interface PlacementOutcome {
  start?: ServicePlan["start"];
  /** The service has what it wants for its primary deployment: every task healthy, nothing else left. */
  complete: boolean;
  desiredCount: number;
  /** Nothing can move: the bounds allow neither a start nor a stop. */
  blocked: boolean;
  /** The primary's tasks are all healthy: (more) production traffic moves to them. */
  shiftTo?: ShiftTo;
  /** Test traffic moves to this deployment (the primary at TEST_TRAFFIC_SHIFT, or the one a rollback returns to). */
  testShiftTo?: string;
}

/**
 * One decision of the service scheduler: (state snapshot) -> actions. It counts the tasks that
 * stopped since the last decision, replaces tasks failing their health checks, applies the
 * deployment circuit breaker (and its rollback), throttles launches after repeated failures,
 * lets the replica or daemon rules choose what to start and stop within minimumHealthyPercent
 * and maximumPercent, and says when a deployment completed and the service reached steady state.
 * No I/O and no clock: the caller passes `now` and carries the plan out.
 */
export function planService(input: ServicePlanInput): ServicePlan {
  if (input.taskSets) return planTaskSets(input);
  const { now, name } = input;
  const events: string[] = [];
  const state = { ...input.state };
  let deployments = input.deployments.map((d) => ({ ...d }));
  const byId = new Map(deployments.map((d) => [d.id, d]));
  const accounted: string[] = [];
  const stops = new Map<string, string>();
  let newFailures = 0;
  const countFailure = (t: PlanTask) => {
    newFailures++;
    state.consecutiveFailures++;
    const d = byId.get(t.deploymentId);
    if (d && d.rolloutState === "IN_PROGRESS") d.failedTasks++;
  };

  // Tasks that stopped since the last decision: those that stopped on their own are failures;
  // those found dead after a crash (Berth's or the engine's) are replaced but never counted.
  for (const t of input.tasks) {
    if (t.lastStatus !== "STOPPED" || t.accounted) continue;
    accounted.push(t.arn);
    if (SELF_STOPPED.has(t.stopCode ?? "") && !t.stoppedWhileDown) countFailure(t);
  }

  // Tasks failing their container health checks, or whose targets are unhealthy, are replaced
  // once the grace period is over; the circuit breaker counts them as failures, as ECS does.
  for (const t of input.tasks) {
    const failure = healthFailure(t, now, input.healthCheckGracePeriodSeconds, name);
    if (!failure) continue;
    stops.set(t.arn, failure.reason);
    events.push(...failure.events);
    if (!t.accounted) {
      accounted.push(t.arn);
      countFailure(t);
    }
  }

  // A deployment fails on its circuit breaker, on one of its CloudWatch alarms, or because
  // StopServiceDeployment stopped it; with rollback, the most recent completed deployment comes back.
  let primary = deployments[0]!;
  let rolledBackTo: string | undefined;
  let failure: ServicePlan["failure"];
  const fail = (why: DeploymentFailure["cause"], reason: string, event: string | undefined, rollback: boolean, alarms?: string[]) => {
    primary.rolloutState = "FAILED";
    primary.rolloutStateReason = reason;
    failure = { deploymentId: primary.id, cause: why, reason, failedTasks: primary.failedTasks, ...(alarms ? { alarms } : {}) };
    if (event) events.push(event);
    const target = rollback ? deployments.slice(1).find((d) => d.rolloutState === "COMPLETED") : undefined;
    if (!target) return;
    events.push(serviceMessages.rollingBack(name, target.id));
    primary.status = "ACTIVE";
    Object.assign(target, { status: "PRIMARY", rolloutState: "IN_PROGRESS", rolloutStateReason: rolloutReasons.rollingBackFor(why, target.id), failedTasks: 0 });
    deployments = [target, ...deployments.filter((d) => d !== target)];
    rolledBackTo = target.id;
    primary = target;
    state.rollback = target.id;
    // As a new task definition does in ECS, a rollback lifts the throttle.
    state.consecutiveFailures = 0;
    state.launchNotBefore = undefined;
  };
  const stop = state.stopRequested;
  state.stopRequested = undefined;
  const desiredForThreshold = input.schedulingStrategy === "DAEMON" ? input.daemonInstances?.length ?? 0 : input.desiredCount;
  if (stop && stop.deploymentId === primary.id && primary.rolloutState === "IN_PROGRESS") {
    const rollback = stop.stopType === "ROLLBACK";
    fail("STOP_REQUESTED", rollback ? rolloutReasons.stoppedForRollback() : rolloutReasons.stopped(), serviceMessages.deploymentStopped(name, primary.id), rollback);
  } else if (input.circuitBreaker.enable && primary.rolloutState === "IN_PROGRESS" && primary.failedTasks >= circuitBreakerThreshold(desiredForThreshold)) {
    fail("CIRCUIT_BREAKER", rolloutReasons.failed(), serviceMessages.deploymentFailed(name, primary.id), input.circuitBreaker.rollback);
  } else if (input.hooks?.failed && primary.rolloutState === "IN_PROGRESS" && state.rollback !== primary.id) {
    // A failed hook rolls the deployment back to the last one that completed, as ECS does.
    fail("HOOK", input.hooks.failed.reason, serviceMessages.deploymentFailedOnHook(name, primary.id), true);
  } else if (input.alarms?.inAlarm.length && primary.rolloutState === "IN_PROGRESS" && state.rollback !== primary.id) {
    // A rollback is not failed again by the alarms that caused it (they are often still in ALARM).
    const names = [...input.alarms.inAlarm];
    fail("ALARM", rolloutReasons.alarmsFailed(names), serviceMessages.deploymentFailedOnAlarm(name, primary.id), input.alarms.rollback, names);
  }

  // The throttle: after repeated failures, launches wait longer and longer.
  if (newFailures > 0 && rolledBackTo === undefined) {
    const wait = launchBackoffMs(state.consecutiveFailures);
    if (wait > 0) {
      state.launchNotBefore = now + wait;
      if (state.consecutiveFailures - newFailures < THROTTLE_AFTER_FAILURES) events.push(serviceMessages.throttled(name));
    }
  }
  const launchable = primary.rolloutState !== "FAILED" && (state.launchNotBefore === undefined || now >= state.launchNotBefore);

  const live = input.tasks.filter((t) => t.lastStatus !== "STOPPED");
  const healthy = new Set(live.filter((t) => !stops.has(t.arn) && countsAsHealthy(t, now)).map((t) => t.arn));
  const choose = input.chooseToStop ?? ((c: readonly PlanTask[], n: number) => c.slice(0, n));
  // Hooks hold the deployment being carried out; a rollback only at its own stages (`:rollback`
  // keys: ECS runs the TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT hooks when it rolls back).
  const hooks = input.hooks && primary.rolloutState === "IN_PROGRESS" ? input.hooks : undefined;
  const rollingBack = state.rollback === primary.id;
  let awaitingHook: string | undefined;
  const gate = (key: string) => {
    if (!hooks || isRollbackStageKey(key) !== rollingBack || !hooks.stages.has(stageOfKey(key)) || hooks.passed.has(key)) return true;
    awaitingHook ??= key;
    return false;
  };
  const ctx: PlanContext = {
    input,
    primary,
    launchable,
    stops,
    wanted: (t) => t.lastStatus !== "STOPPED" && t.desiredStatus === "RUNNING" && !stops.has(t.arn),
    healthy: (t) => healthy.has(t.arn),
    live,
    stop: (t, reason) => void stops.set(t.arn, reason),
    choose: (c, n) => (n <= 0 || c.length === 0 ? [] : choose(c, Math.min(n, c.length)).slice(0, n)),
    scalingReason: `Scaling activity initiated by (deployment ${primary.id})`,
    rollback: state.rollback,
    gate,
  };
  const outcome: PlacementOutcome = input.schedulingStrategy === "DAEMON" ? planDaemon(ctx) : planReplicas(ctx);

  if (outcome.shiftTo) events.push(serviceMessages.productionTrafficShifted(name, outcome.shiftTo.deploymentId, outcome.shiftTo.tenths));
  const stopped = [...stops.keys()];
  if (stopped.length) events.push(serviceMessages.stopped(name, stopped));
  if (outcome.blocked && !outcome.start && stopped.length === 0) events.push(serviceMessages.blockedByConfiguration(name));

  // A deployment completes when the primary has all its tasks healthy and nothing else runs.
  if (outcome.complete && primary.rolloutState === "IN_PROGRESS") {
    primary.rolloutState = "COMPLETED";
    primary.rolloutStateReason = rolloutReasons.completed(primary.id);
    events.push(serviceMessages.deploymentCompleted(name, primary.id));
  }
  if (outcome.complete && primary.rolloutState === "COMPLETED") deployments = [primary];

  const steady = input.status === "ACTIVE" && outcome.complete && deployments.length === 1 && primary.rolloutState === "COMPLETED" && !outcome.start && stopped.length === 0;
  noteSteadyState(state, steady, { now, name, events });

  return {
    deployments,
    ...(rolledBackTo ? { rolledBackTo } : {}),
    ...(failure ? { failure } : {}),
    ...(outcome.shiftTo ? { shiftTo: outcome.shiftTo } : {}),
    ...(outcome.testShiftTo ? { testShiftTo: outcome.testShiftTo } : {}),
    ...(awaitingHook ? { awaitingHook } : {}),
    accounted,
    stops: [...stops].map(([taskArn, reason]) => ({ taskArn, reason })),
    ...(outcome.start ? { start: outcome.start } : {}),
    events,
    state,
    inactive: input.status === "DRAINING" && live.length === 0,
    desiredCount: outcome.desiredCount,
  };
}
