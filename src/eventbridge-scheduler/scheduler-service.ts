import type * as W from "@aws-sdk/client-scheduler";
import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { createGroup, deleteGroup, findGroup, getGroup, listGroups } from "./schedule-groups.js";
import { createSchedule, deleteSchedule, findSchedule, getSchedule, listSchedules, updateSchedule } from "./schedules.js";
import { notFound } from "./errors.js";

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

/**
 * EventBridge Scheduler (restJson1): schedule groups and schedules. Due schedules are fired by
 * fireDueSchedules (schedule-runner.ts) on the EventBridge delivery worker's timer; `handles` says
 * which target ARNs that worker can deliver to.
 */
export function createSchedulerService({ db, clock, handles, random = Math.random }: { db: Db; clock: Clock; handles: (arn: string) => boolean; random?: () => number }): AwsService {
  /** Only schedule groups carry tags in Scheduler. */
  const taggedGroup = (scope: Scope, arn: string) => {
    const m = /^arn:aws[\w-]*:scheduler:([a-z0-9-]+):(\d{12}):schedule-group\/(.+)$/.exec(arn);
    if (!m || m[1] !== scope.region || m[2] !== scope.account || !findGroup(db, clock, scope, m[3]!)) throw notFound(`Schedule group ${arn.split("/").pop()} does not exist.`);
    return arn;
  };
  const handlers: Record<string, Handler> = {
    CreateScheduleGroup: (input: W.CreateScheduleGroupInput, ctx) => ({ ScheduleGroupArn: createGroup(db, clock, scopeOf(ctx), input) }),
    GetScheduleGroup: (input: W.GetScheduleGroupInput, ctx) => getGroup(db, clock, scopeOf(ctx), input.Name!),
    ListScheduleGroups: (input: W.ListScheduleGroupsInput, ctx) => listGroups(db, clock, scopeOf(ctx), input),
    DeleteScheduleGroup: (input: W.DeleteScheduleGroupInput, ctx) => (deleteGroup(db, clock, scopeOf(ctx), input.Name!), {}),

    CreateSchedule: (input: W.CreateScheduleInput, ctx) => ({ ScheduleArn: createSchedule(db, clock, scopeOf(ctx), input, { handles, random }) }),
    UpdateSchedule: (input: W.UpdateScheduleInput, ctx) => ({ ScheduleArn: updateSchedule(db, clock, scopeOf(ctx), input, { handles, random }) }),
    GetSchedule: (input: W.GetScheduleInput, ctx) => getSchedule(db, clock, scopeOf(ctx), input),
    DeleteSchedule: (input: W.DeleteScheduleInput, ctx) => (deleteSchedule(db, clock, scopeOf(ctx), input), {}),
    ListSchedules: (input: W.ListSchedulesInput, ctx) => listSchedules(db, scopeOf(ctx), input),

    TagResource: (input: W.TagResourceInput, ctx) => {
      const arn = taggedGroup(scopeOf(ctx), input.ResourceArn!);
      const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
      db.transaction(() => {
        for (const t of input.Tags!) stmt.run(arn, t.Key, t.Value);
      })();
      return {};
    },
    UntagResource: (input: W.UntagResourceInput, ctx) => {
      const arn = taggedGroup(scopeOf(ctx), input.ResourceArn!);
      const stmt = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
      db.transaction(() => {
        for (const k of input.TagKeys!) stmt.run(arn, k);
      })();
      return {};
    },
    ListTagsForResource: (input: W.ListTagsForResourceInput, ctx) => {
      const arn = taggedGroup(scopeOf(ctx), input.ResourceArn!);
      const rows = db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY rowid").all(arn) as Array<{ key: string; value: string }>;
      return { Tags: rows.map((r) => ({ Key: r.key, Value: r.value })) };
    },
  };
  // Scheduler answers broken model constraints with ValidationException.
  return { model: loadModel("scheduler"), handlers, validation: { invalid: "ValidationException" } };
}

export { findSchedule };
