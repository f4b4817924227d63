/**
 * The numbers ECS's rolling update (ECS deployment controller) works with, as its documentation
 * states them. Pure, so the controller's bounds can be tested without a cluster.
 */

export interface DeploymentBounds {
  /** Tasks that must stay RUNNING and healthy: desiredCount x minimumHealthyPercent, rounded up. */
  minHealthy: number;
  /** Tasks allowed in RUNNING or PENDING (any state short of STOPPED): desiredCount x maximumPercent, rounded down. */
  maxTotal: number;
}

export function deploymentBounds(desiredCount: number, minimumHealthyPercent: number, maximumPercent: number): DeploymentBounds {
  // Integer arithmetic: 3 x 50 / 100 must be exactly 1.5, never 1.5000000000000002.
  return {
    minHealthy: Math.ceil((desiredCount * minimumHealthyPercent) / 100),
    maxTotal: Math.floor((desiredCount * maximumPercent) / 100),
  };
}

/** ECS's defaults: REPLICA 100 / 200; DAEMON 0 / 100 (one task per instance, replaced in place). */
export function defaultPercents(schedulingStrategy: string): { minimumHealthyPercent: number; maximumPercent: number } {
  return schedulingStrategy === "DAEMON" ? { minimumHealthyPercent: 0, maximumPercent: 100 } : { minimumHealthyPercent: 100, maximumPercent: 200 };
}

/** The deployment circuit breaker's failure threshold: 0.5 x desired count, rounded up, clamped to 3..200. */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));
}

/**
 * ECS throttles a service whose tasks keep failing to start: the wait between launches grows up
 * to 27 minutes. Berth starts waiting after the third failure in a row and doubles the wait from
 * 5 seconds (5, 10, 20, ... capped at 27 minutes); ECS does not document its steps.
 */
export const THROTTLE_AFTER_FAILURES = 3;
/** Stop codes of tasks that stopped on their own: what the circuit breaker and the throttle count. */
export const SELF_STOPPED = new Set(["EssentialContainerExited", "TaskFailedToStart"]);
export const MAX_THROTTLE_MS = 27 * 60 * 1000;
export function launchBackoffMs(consecutiveFailures: number): number {
  if (consecutiveFailures < THROTTLE_AFTER_FAILURES) return 0;
  const steps = Math.min(consecutiveFailures - THROTTLE_AFTER_FAILURES, 20);
  return Math.min(MAX_THROTTLE_MS, 5000 * 2 ** steps);
}

/**
 * A task without a container health check counts towards minimumHealthyPercent 40 seconds after
 * it reaches RUNNING, as ECS documents; one with a health check once it is HEALTHY.
 */
export const SETTLE_WITHOUT_HEALTH_CHECK_MS = 40_000;

/** ECS keeps the 100 most recent events of a service, and omits a repeat of the same message for six hours. */
export const MAX_SERVICE_EVENTS = 100;
export const REPEAT_EVENT_AFTER_MS = 6 * 60 * 60 * 1000;

/** The strategies that run two task sets side by side and move traffic between two target groups. */
export const TRAFFIC_SHIFTING = new Set(["BLUE_GREEN", "LINEAR", "CANARY"]);

/** What a strategy's traffic shifting looks like: the shares of production traffic the new revision gets, in tenths of a percent, in order (the last 1000), and the wait after each step but the last. */
export interface ShiftPlan {
  steps: number[];
  stepBakeMs: number;
}

/**
 * BLUE_GREEN moves all traffic at once; CANARY canaryPercent, then the rest after
 * canaryBakeTimeInMinutes; LINEAR stepPercent more at each step, stepBakeTimeInMinutes apart,
 * the last step reaching 100. Tenths of a percent, since ECS takes multiples of 0.1.
 */
export function shiftPlan(config: { strategy?: string; canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number }; linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number } }): ShiftPlan {
  const tenths = (p: number) => Math.round(p * 10);
  if (config.strategy === "CANARY") {
    const c = config.canaryConfiguration ?? {};
    const first = tenths(c.canaryPercent ?? 5);
    return { steps: first >= 1000 ? [1000] : [first, 1000], stepBakeMs: (c.canaryBakeTimeInMinutes ?? 10) * 60_000 };
  }
  if (config.strategy === "LINEAR") {
    const l = config.linearConfiguration ?? {};
    const step = tenths(l.stepPercent ?? 10);
    const steps: number[] = [];
    for (let p = step; p < 1000; p += step) steps.push(p);
    return { steps: [...steps, 1000], stepBakeMs: (l.stepBakeTimeInMinutes ?? 6) * 60_000 };
  }
  return { steps: [1000], stepBakeMs: 0 };
}

/**
 * Lifecycle hooks of a rollback: ECS runs the PRODUCTION_TRAFFIC_SHIFT and TEST_TRAFFIC_SHIFT
 * hooks again as traffic moves back. Their stage keys end in `:rollback`, apart from those the
 * deployment ran on its way forward.
 */
export const rollbackStageKey = (stage: "PRODUCTION_TRAFFIC_SHIFT" | "TEST_TRAFFIC_SHIFT") => `${stage}:rollback`;
export const isRollbackStageKey = (key: string) => key.endsWith(":rollback");
/** The lifecycle stage a stage key names (a key is the stage, with a step or `:rollback` after it). */
export const stageOfKey = (key: string) => key.split(":")[0]!;
