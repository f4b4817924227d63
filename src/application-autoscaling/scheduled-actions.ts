import type { RequestContext } from "../aws/request-context.js";
import type { Handler } from "../aws/service.js";
import { newUuid } from "../core/ids.js";
import type { AasDeps } from "./deps.js";
import { checkDimensionFilter, ecsServiceOf } from "./ecs-resource.js";
import { noScheduledActionFound, noTargetRegistered, validation } from "./errors.js";
import { page } from "./pagination.js";
import { nextRun, parseSchedule } from "./schedule.js";
import { deleteScheduledAction, findScheduledAction, findTarget, listScheduledActions, saveScheduledAction } from "./store.js";
import type { ScalableTargetAction, ScheduledAction, TargetKey } from "./types.js";

interface PutInput extends TargetKey {
  ScheduledActionName: string;
  Schedule?: string;
  Timezone?: string;
  StartTime?: Date;
  EndTime?: Date;
  ScalableTargetAction?: ScalableTargetAction;
}

/** arn:aws:autoscaling:<region>:<account>:scheduledAction:<uuid>:resource/ecs/service/<cluster>/<service>:scheduledActionName/<name> */
const actionArn = (ctx: RequestContext, a: PutInput) =>
  `arn:aws:autoscaling:${ctx.region}:${ctx.account}:scheduledAction:${newUuid()}:resource/${a.ServiceNamespace}/${a.ResourceId}:scheduledActionName/${a.ScheduledActionName}`;

/** When a stored action runs next after `after` (undefined: never again). */
export const nextRunOf = (a: ScheduledAction, after: Date) =>
  nextRun(parseSchedule(a.Schedule, a.Timezone), after, { start: a.StartTime, end: a.EndTime, created: a.CreationTime });

export function scheduledActionHandlers(deps: AasDeps & { scheduled: () => void }): Record<string, Handler> {
  const { db, clock } = deps;
  return {
    /** Creates or updates an action; an update keeps what it does not give. */
    PutScheduledAction: (input: PutInput, ctx: RequestContext) => {
      ecsServiceOf(input);
      db.transaction(() => {
        if (!findTarget(db, ctx, input)) throw noTargetRegistered(input);
        const before = findScheduledAction(db, ctx, input, input.ScheduledActionName);
        const schedule = input.Schedule ?? before?.Schedule;
        if (schedule === undefined) throw validation("Schedule is required when creating a scheduled action");
        const action: ScheduledAction = {
          ScheduledActionName: input.ScheduledActionName,
          ScheduledActionARN: before?.ScheduledActionARN ?? actionArn(ctx, input),
          ServiceNamespace: input.ServiceNamespace, ResourceId: input.ResourceId, ScalableDimension: input.ScalableDimension,
          Schedule: schedule,
          Timezone: input.Timezone ?? before?.Timezone ?? "UTC",
          StartTime: input.StartTime ?? before?.StartTime,
          EndTime: input.EndTime ?? before?.EndTime,
          ScalableTargetAction: input.ScalableTargetAction ?? before?.ScalableTargetAction,
          CreationTime: before?.CreationTime ?? clock.now(),
        };
        const range = action.ScalableTargetAction;
        if (range?.MinCapacity === undefined && range?.MaxCapacity === undefined) throw validation("ScalableTargetAction must specify MinCapacity or MaxCapacity");
        if (range.MinCapacity !== undefined && range.MaxCapacity !== undefined && range.MinCapacity > range.MaxCapacity) {
          throw validation("Minimum capacity cannot be greater than maximum capacity");
        }
        if (action.StartTime && action.EndTime && action.StartTime >= action.EndTime) throw validation("StartTime must be before EndTime");
        saveScheduledAction(db, ctx, action, nextRunOf(action, clock.now()));
      })();
      deps.scheduled();
      return {};
    },

    DescribeScheduledActions: (input: { ServiceNamespace: string; ScheduledActionNames?: string[]; ResourceId?: string; ScalableDimension?: string; MaxResults?: number; NextToken?: string }, ctx: RequestContext) => {
      checkDimensionFilter(input.ServiceNamespace, input.ScalableDimension, input.ResourceId);
      const all = listScheduledActions(db, ctx, input.ServiceNamespace, input)
        .filter((a) => !input.ScheduledActionNames?.length || input.ScheduledActionNames.includes(a.ScheduledActionName));
      const { items, NextToken } = page(all, input.MaxResults, input.NextToken);
      return { ScheduledActions: items, NextToken };
    },

    DeleteScheduledAction: (input: TargetKey & { ScheduledActionName: string }, ctx: RequestContext) => {
      ecsServiceOf(input);
      db.transaction(() => {
        const action = findScheduledAction(db, ctx, input, input.ScheduledActionName);
        if (!action) throw noScheduledActionFound(input, input.ScheduledActionName);
        deleteScheduledAction(db, ctx, action);
      })();
      return {};
    },
  };
}
