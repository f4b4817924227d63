import type { RequestContext } from "../aws/request-context.js";
import type { Handler } from "../aws/service.js";
import { randomBytes } from "node:crypto";
import type { AasDeps } from "./deps.js";
import { checkDimensionFilter, ecsServiceOf } from "./ecs-resource.js";
import { noTargetFound, validation } from "./errors.js";
import { page } from "./pagination.js";
import { deleteTarget, findTarget, listPolicies, listTargets, saveTarget } from "./store.js";
import { moveIntoRange } from "./capacity.js";
import { putTags, validateTags } from "./tags.js";
import type { ScalableTarget, SuspendedState, TargetKey } from "./types.js";

interface RegisterInput extends TargetKey {
  MinCapacity?: number;
  MaxCapacity?: number;
  RoleARN?: string;
  SuspendedState?: SuspendedState;
  Tags?: Record<string, string>;
}

/** The service-linked role Application Auto Scaling uses for ECS, as AWS shows it. */
const ecsRole = (account: string) =>
  `arn:aws:iam::${account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`;

/** Scalable target ARNs end in 36 lower-case hexadecimal characters (AWS's form). */
const targetArn = (ctx: RequestContext) => `arn:aws:application-autoscaling:${ctx.region}:${ctx.account}:scalable-target/${randomBytes(18).toString("hex")}`;

const suspended = (s: SuspendedState | undefined, before?: SuspendedState): SuspendedState => ({
  DynamicScalingInSuspended: s?.DynamicScalingInSuspended ?? before?.DynamicScalingInSuspended ?? false,
  DynamicScalingOutSuspended: s?.DynamicScalingOutSuspended ?? before?.DynamicScalingOutSuspended ?? false,
  ScheduledScalingSuspended: s?.ScheduledScalingSuspended ?? before?.ScheduledScalingSuspended ?? false,
});

export function targetHandlers(deps: AasDeps): Record<string, Handler> {
  const { db, clock } = deps;
  return {
    /**
     * Registers a target or, when it exists, updates what the call gives (min, max, suspended
     * state); a desired count outside a changed range moves into it.
     */
    RegisterScalableTarget: (input: RegisterInput, ctx: RequestContext) => {
      const ref = ecsServiceOf(input);
      if (input.Tags) validateTags(input.Tags);
      if ((input.MinCapacity ?? 0) < 0) throw validation("MinCapacity must be greater than or equal to 0");
      if ((input.MaxCapacity ?? 0) < 0) throw validation("MaxCapacity must be greater than or equal to 0");
      return db.transaction(() => {
        if (deps.services.desiredCount(ctx, ref.cluster, ref.service) === undefined) throw validation(`ECS service doesn't exist: ${input.ResourceId}`);
        const existing = findTarget(db, ctx, input);
        if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
          throw validation("MinCapacity and MaxCapacity are required for registering a new scalable target");
        }
        const before = existing?.target;
        const target: ScalableTarget = {
          ServiceNamespace: input.ServiceNamespace, ResourceId: input.ResourceId, ScalableDimension: input.ScalableDimension,
          MinCapacity: input.MinCapacity ?? before!.MinCapacity,
          MaxCapacity: input.MaxCapacity ?? before!.MaxCapacity,
          RoleARN: before?.RoleARN ?? ecsRole(ctx.account),
          CreationTime: before?.CreationTime ?? clock.now(),
          SuspendedState: suspended(input.SuspendedState, before?.SuspendedState),
          ScalableTargetARN: before?.ScalableTargetARN ?? targetArn(ctx),
        };
        if (target.MinCapacity > target.MaxCapacity) throw validation("Minimum capacity cannot be greater than maximum capacity");
        saveTarget(db, ctx, { target, state: existing?.state ?? {} });
        if (input.Tags) putTags(db, target.ScalableTargetARN, input.Tags);
        if (!before || before.MinCapacity !== target.MinCapacity || before.MaxCapacity !== target.MaxCapacity) moveIntoRange(deps, ctx, target);
        return { ScalableTargetARN: target.ScalableTargetARN };
      })();
    },

    DescribeScalableTargets: (input: { ServiceNamespace: string; ResourceIds?: string[]; ScalableDimension?: string; MaxResults?: number; NextToken?: string }, ctx: RequestContext) => {
      checkDimensionFilter(input.ServiceNamespace, input.ScalableDimension, input.ResourceIds?.[0]);
      const all = listTargets(db, ctx, input.ServiceNamespace).filter((t) =>
        (input.ResourceIds === undefined || input.ResourceIds.length === 0 || input.ResourceIds.includes(t.ResourceId))
        && (input.ScalableDimension === undefined || t.ScalableDimension === input.ScalableDimension));
      const { items, NextToken } = page(all, input.MaxResults, input.NextToken);
      return { ScalableTargets: items, NextToken };
    },

    /** Deregisters a target with its scaling policies (and their alarms) and scheduled actions. */
    DeregisterScalableTarget: (input: TargetKey, ctx: RequestContext) => {
      ecsServiceOf(input);
      db.transaction(() => {
        const existing = findTarget(db, ctx, input);
        if (!existing) throw noTargetFound(input);
        const alarms = listPolicies(db, ctx, input.ServiceNamespace, input).flatMap((p) => p.Alarms.map((a) => a.AlarmName));
        if (alarms.length > 0) deps.alarms?.delete(ctx, alarms);
        deleteTarget(db, ctx, existing.target);
      })();
      return {};
    },
  };
}
