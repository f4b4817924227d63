import type { RequestContext } from "../aws/request-context.js";
import type { Handler } from "../aws/service.js";
import { newUuid } from "../core/ids.js";
import type { AasDeps } from "./deps.js";
import { checkDimensionFilter, ecsServiceOf } from "./ecs-resource.js";
import { noPolicyFound, noTargetRegistered, validation } from "./errors.js";
import { page } from "./pagination.js";
import { deletePolicy, findPolicy, findTarget, listPolicies, savePolicy } from "./store.js";
import { validateStepConfiguration } from "./step-adjustments.js";
import { alarmInputs, alarmNames, alarmsOf, trackedMetric } from "./target-tracking-alarms.js";
import type { ScalingPolicy, StepScalingPolicyConfiguration, TargetKey, TargetTrackingScalingPolicyConfiguration } from "./types.js";

interface PutInput extends TargetKey {
  PolicyName: string;
  PolicyType?: string;
  StepScalingPolicyConfiguration?: StepScalingPolicyConfiguration;
  TargetTrackingScalingPolicyConfiguration?: TargetTrackingScalingPolicyConfiguration;
  PredictiveScalingPolicyConfiguration?: unknown;
}

/** ECS's default cooldowns (seconds), for step and target tracking policies alike. */
export const DEFAULT_COOLDOWN = 300;

/** arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/ecs/service/<cluster>/<service>:policyName/<name> */
const policyArn = (ctx: RequestContext, p: PutInput) =>
  `arn:aws:autoscaling:${ctx.region}:${ctx.account}:scalingPolicy:${newUuid()}:resource/${p.ServiceNamespace}/${p.ResourceId}:policyName/${p.PolicyName}`;

/** The uuid part of an alarm name (TargetTracking-...-AlarmHigh-<uuid>), kept when a policy is updated. */
const alarmUuid = (names: string[], kind: "High" | "Low") => names.find((n) => n.includes(`-Alarm${kind}-`))?.split(`-Alarm${kind}-`)[1];

function checkConfiguration(type: string, input: PutInput): void {
  if (type === "PredictiveScaling") throw validation("Predictive scaling is not supported for service namespace ecs");
  if (type === "StepScaling") {
    if (input.TargetTrackingScalingPolicyConfiguration) throw validation("TargetTrackingScalingPolicyConfiguration is not allowed for a policy of type StepScaling");
    if (!input.StepScalingPolicyConfiguration) throw validation("StepScalingPolicyConfiguration is required for a policy of type StepScaling");
    validateStepConfiguration(input.StepScalingPolicyConfiguration);
  } else {
    if (input.StepScalingPolicyConfiguration) throw validation("StepScalingPolicyConfiguration is not allowed for a policy of type TargetTrackingScaling");
    const c = input.TargetTrackingScalingPolicyConfiguration;
    if (!c) throw validation("TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling");
    if (c.TargetValue <= 0) throw validation("TargetValue must be greater than 0");
    trackedMetric(input.ResourceId, c);
  }
}

export function policyHandlers(deps: AasDeps): Record<string, Handler> {
  const { db, clock } = deps;
  return {
    /**
     * Creates or replaces a policy. A target tracking policy's alarms are made (or remade) in the
     * same transaction, so a refused alarm changes nothing.
     */
    PutScalingPolicy: (input: PutInput, ctx: RequestContext) => {
      ecsServiceOf(input);
      return db.transaction(() => {
        if (!findTarget(db, ctx, input)) throw noTargetRegistered(input);
        const before = findPolicy(db, ctx, input, input.PolicyName);
        const type = input.PolicyType ?? before?.PolicyType ?? "StepScaling";
        checkConfiguration(type, input);
        const policy: ScalingPolicy = {
          PolicyARN: before?.PolicyARN ?? policyArn(ctx, input),
          PolicyName: input.PolicyName, ServiceNamespace: input.ServiceNamespace, ResourceId: input.ResourceId, ScalableDimension: input.ScalableDimension,
          PolicyType: type as ScalingPolicy["PolicyType"],
          Alarms: [],
          CreationTime: before?.CreationTime ?? clock.now(),
        };
        const oldAlarms = before?.Alarms.map((a) => a.AlarmName) ?? [];
        if (type === "StepScaling") {
          const c = input.StepScalingPolicyConfiguration!;
          policy.StepScalingPolicyConfiguration = { ...c, Cooldown: c.Cooldown ?? DEFAULT_COOLDOWN, MetricAggregationType: c.MetricAggregationType ?? "Average" };
        } else {
          const c = input.TargetTrackingScalingPolicyConfiguration!;
          policy.TargetTrackingScalingPolicyConfiguration = {
            ...c, ScaleOutCooldown: c.ScaleOutCooldown ?? DEFAULT_COOLDOWN, ScaleInCooldown: c.ScaleInCooldown ?? DEFAULT_COOLDOWN, DisableScaleIn: c.DisableScaleIn ?? false,
          };
          const names = alarmNames(input.ResourceId, alarmUuid(oldAlarms, "High") ?? newUuid(), alarmUuid(oldAlarms, "Low") ?? newUuid(), c.DisableScaleIn ?? false);
          policy.Alarms = alarmsOf(ctx, names);
          for (const alarm of alarmInputs(policy, names)) deps.alarms?.put(ctx, alarm);
        }
        const dropped = oldAlarms.filter((n) => !policy.Alarms.some((a) => a.AlarmName === n));
        if (dropped.length > 0) deps.alarms?.delete(ctx, dropped);
        savePolicy(db, ctx, policy);
        return policy.Alarms.length > 0 ? { PolicyARN: policy.PolicyARN, Alarms: policy.Alarms } : { PolicyARN: policy.PolicyARN };
      })();
    },

    DescribeScalingPolicies: (input: { ServiceNamespace: string; PolicyNames?: string[]; ResourceId?: string; ScalableDimension?: string; MaxResults?: number; NextToken?: string }, ctx: RequestContext) => {
      checkDimensionFilter(input.ServiceNamespace, input.ScalableDimension, input.ResourceId);
      const all = listPolicies(db, ctx, input.ServiceNamespace, input)
        .filter((p) => !input.PolicyNames?.length || input.PolicyNames.includes(p.PolicyName));
      const { items, NextToken } = page(all, input.MaxResults, input.NextToken, 10);
      return { ScalingPolicies: items, NextToken };
    },

    /** Deletes a policy and the alarms it owns. */
    DeleteScalingPolicy: (input: TargetKey & { PolicyName: string }, ctx: RequestContext) => {
      ecsServiceOf(input);
      db.transaction(() => {
        const policy = findPolicy(db, ctx, input, input.PolicyName);
        if (!policy) throw noPolicyFound(input, input.PolicyName);
        if (policy.Alarms.length > 0) deps.alarms?.delete(ctx, policy.Alarms.map((a) => a.AlarmName));
        deletePolicy(db, ctx, policy);
      })();
      return {};
    },
  };
}
