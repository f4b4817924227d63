/**
 * ALB's health state machine for one target, as a pure function of the previous state and one
 * health check's result. A target starts `initial` (Elb.InitialHealthChecking); HealthyThresholdCount
 * consecutive successes make it healthy, UnhealthyThresholdCount consecutive failures unhealthy,
 * from any state. The reason of an unhealthy target is its latest failure's.
 */
export type HealthState = "initial" | "healthy" | "unhealthy";

export type FailureReason = "Target.ResponseCodeMismatch" | "Target.Timeout" | "Target.FailedHealthChecks";

export type CheckResult = { ok: true } | { ok: false; reason: FailureReason; description: string };

export interface TargetHealthState {
  readonly state: HealthState;
  readonly reason?: string;
  readonly description?: string;
  /** Consecutive results of the same kind as the latest one. */
  readonly successes: number;
  readonly failures: number;
}

export interface Thresholds {
  readonly HealthyThresholdCount: number;
  readonly UnhealthyThresholdCount: number;
}

export const initialHealth: TargetHealthState = {
  state: "initial",
  reason: "Elb.InitialHealthChecking",
  description: "Initial health checks in progress",
  successes: 0,
  failures: 0,
};

export function nextHealth(previous: TargetHealthState, result: CheckResult, thresholds: Thresholds): TargetHealthState {
  if (result.ok) {
    const successes = previous.successes + 1;
    if (previous.state === "healthy" || successes >= thresholds.HealthyThresholdCount) return { state: "healthy", successes, failures: 0 };
    return { ...previous, successes, failures: 0 };
  }
  const failures = previous.failures + 1;
  if (previous.state === "unhealthy" || failures >= thresholds.UnhealthyThresholdCount) {
    return { state: "unhealthy", reason: result.reason, description: result.description, successes: 0, failures };
  }
  return { ...previous, successes: 0, failures };
}
