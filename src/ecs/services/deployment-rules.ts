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
