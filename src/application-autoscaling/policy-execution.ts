import type { AlarmActionTarget, AlarmStateChange } from "../cloudwatch/alarms/alarm-actions.js";
import type { AasDeps } from "./deps.js";
import { currentCapacity, recordNotScaled, setDesiredCount } from "./capacity.js";
import { findPolicyByArn, findTarget, saveTarget, type TargetState } from "./store.js";
import { aggregate, selectStep, stepCapacity } from "./step-adjustments.js";
import type { ScalingPolicy } from "./types.js";

/** The policy ARNs alarms name: arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/<namespace>/<resource>:policyName/<name>. */
const POLICY_ARN = /^arn:aws:autoscaling:[a-z0-9-]+:\d{12}:scalingPolicy:[0-9a-f-]{36}:resource\/.+:policyName\/.+$/;

/**
 * What the alarm's StateReasonData says: the datapoints that decided (evaluatedDatapoints, else
 * recentDatapoints), newest first, and its threshold.
 */
function reasonOf(change: AlarmStateChange): { values: number[]; threshold?: number } {
  try {
    const data = JSON.parse(change.reasonData ?? "{}") as { recentDatapoints?: unknown; evaluatedDatapoints?: unknown; threshold?: unknown };
    const evaluated = Array.isArray(data.evaluatedDatapoints)
      ? (data.evaluatedDatapoints as Array<{ timestamp?: unknown; value?: unknown }>)
          .filter((d) => typeof d?.value === "number" && typeof d.timestamp === "string")
          .sort((a, b) => Date.parse(b.timestamp as string) - Date.parse(a.timestamp as string))
          .map((d) => d.value as number)
      : [];
    const recent = Array.isArray(data.recentDatapoints) ? data.recentDatapoints.filter((v): v is number => typeof v === "number") : [];
    return { values: evaluated.length > 0 ? evaluated : recent, threshold: typeof data.threshold === "number" ? data.threshold : undefined };
  } catch {
    return { values: [] };
  }
}

/**
 * The capacity a policy asks for, given the capacity it counts from, or undefined when it asks
 * for nothing. `base` is the current capacity, or during a scale-out cooldown the capacity before
 * the scale-out that started it (AWS counts what that scale-out added towards the next one).
 */
function wanted(policy: ScalingPolicy, change: AlarmStateChange, base: number): number | undefined {
  const { values, threshold } = reasonOf(change);
  const step = policy.StepScalingPolicyConfiguration;
  if (step) {
    const metric = aggregate(values, step.MetricAggregationType);
    // Without datapoints the breach is taken as 0: the step that starts at the threshold.
    const breach = metric !== undefined && threshold !== undefined ? metric - threshold : 0;
    const chosen = selectStep(step.StepAdjustments ?? [], breach);
    return chosen && stepCapacity(step, chosen, base);
  }
  const tt = policy.TargetTrackingScalingPolicyConfiguration!;
  if (change.newState !== "ALARM") return undefined;
  const high = change.alarmName.includes("-AlarmHigh-");
  const metric = values[0];
  // Capacity in proportion to the metric, as target tracking computes it; one task either way
  // when the alarm brought no datapoint.
  if (metric === undefined) return base + (high ? 1 : -1);
  const proportional = Math.ceil((base * metric) / tt.TargetValue);
  return high ? Math.max(proportional, base + 1) : Math.min(proportional, base - 1);
}

/**
 * Runs scaling policies when their alarms invoke them: step scaling by its steps, target
 * tracking in proportion to the metric; clamped to [min, max], with AWS's cooldowns and the
 * target's suspended state.
 */
export function policyExecution(deps: AasDeps): AlarmActionTarget & { execute(arn: string, change: AlarmStateChange): void } {
  const { db, clock, log } = deps;

  function execute(arn: string, change: AlarmStateChange): void {
    db.transaction(() => {
      const found = findPolicyByArn(db, arn);
      if (!found) return void log.info({ policyArn: arn, alarm: change.alarmName }, "an alarm invoked a scaling policy that does not exist");
      const { scope, policy } = found;
      const stored = findTarget(db, scope, policy);
      if (!stored) return;
      const { target } = stored;
      const current = currentCapacity(deps, scope, target);
      if (current === undefined) return;
      const now = clock.now().getTime();
      const state: TargetState = { ...stored.state };
      const outCooldown = state.scaleOut && now < state.scaleOut.until ? state.scaleOut : undefined;
      let want = wanted(policy, change, current);
      if (want !== undefined && want > current && outCooldown) want = wanted(policy, change, outCooldown.from);
      if (want === undefined) return;
      const cooldowns = policy.StepScalingPolicyConfiguration
        ? { out: policy.StepScalingPolicyConfiguration.Cooldown!, in: policy.StepScalingPolicyConfiguration.Cooldown! }
        : { out: policy.TargetTrackingScalingPolicyConfiguration!.ScaleOutCooldown!, in: policy.TargetTrackingScalingPolicyConfiguration!.ScaleInCooldown! };
      const cause = `monitor alarm ${change.alarmName} in state ${change.newState} triggered policy ${policy.PolicyName}`;
      if (want > current) {
        if (target.SuspendedState.DynamicScalingOutSuspended) return;
        const next = Math.min(want, target.MaxCapacity);
        if (next <= current) return recordNotScaled(deps, scope, target, cause, { Code: "AlreadyAtMaxCapacity", MaxCapacity: target.MaxCapacity });
        if (!setDesiredCount(deps, scope, target, next, cause)) return;
        // A scale-out ends any scale-in cooldown; one during a cooldown keeps counting from its base.
        state.scaleOut = { until: now + cooldowns.out * 1000, from: outCooldown?.from ?? current };
        delete state.scaleInUntil;
      } else if (want < current) {
        if (target.SuspendedState.DynamicScalingInSuspended || policy.TargetTrackingScalingPolicyConfiguration?.DisableScaleIn) return;
        if (state.scaleInUntil !== undefined && now < state.scaleInUntil) return;
        const next = Math.max(want, target.MinCapacity);
        if (next >= current) return recordNotScaled(deps, scope, target, cause, { Code: "AlreadyAtMinCapacity", MinCapacity: target.MinCapacity });
        if (!setDesiredCount(deps, scope, target, next, cause)) return;
        state.scaleInUntil = now + cooldowns.in * 1000;
        delete state.scaleOut;
      } else return recordNotScaled(deps, scope, target, cause, { Code: "AlreadyAtDesiredCapacity", CurrentCapacity: current });
      saveTarget(db, scope, { target, state });
    })();
  }

  return {
    execute,
    handles: (arn) => POLICY_ARN.test(arn),
    invoke: async (arn, change) => execute(arn, change),
  };
}
