import type * as W from "@aws-sdk/client-scheduler";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { conflict, notFound, validation } from "./errors.js";
import { DEFAULT_GROUP, pageOf, requireGroup } from "./schedule-groups.js";
import { expressionOf, nextRun, type Timing } from "./schedule-timing.js";
import { isReadOnlyAction, parseUniversalArn } from "./universal-target.js";

export const scheduleArn = (s: Scope, group: string, name: string) => `arn:aws:scheduler:${s.region}:${s.account}:schedule/${group}/${name}`;

/** The stored schedule: GetSchedule's shape with dates as epoch ms, and the nominal time of its next run. */
export interface ScheduleDoc extends Timing {
  Name: string;
  GroupName: string;
  Arn: string;
  State: W.ScheduleState;
  Target: W.Target;
  Description?: string;
  ActionAfterCompletion?: W.ActionAfterCompletion;
  KmsKeyArn?: string;
  LastModificationDate: number;
  /** Berth's own: the nominal time of the pending run (flexible windows fire later than it). */
  nextNominal?: number;
}

const validTimezone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Checks an input's schedule members; `handles` says whether a target ARN can be delivered to. */
function validate(input: W.CreateScheduleInput | W.UpdateScheduleInput, handles: (arn: string) => boolean): void {
  if (input.ScheduleExpressionTimezone !== undefined && !validTimezone(input.ScheduleExpressionTimezone)) throw validation(`Invalid time zone: ${input.ScheduleExpressionTimezone}.`);
  if (!expressionOf({ ScheduleExpression: input.ScheduleExpression!, ScheduleExpressionTimezone: input.ScheduleExpressionTimezone })) {
    throw validation(`Invalid Schedule Expression ${input.ScheduleExpression}.`);
  }
  const w = input.FlexibleTimeWindow!;
  if (w.Mode === "FLEXIBLE" && w.MaximumWindowInMinutes === undefined) throw validation("MaximumWindowInMinutes must be provided when FlexibleTimeWindow Mode is FLEXIBLE.");
  if (w.Mode === "OFF" && w.MaximumWindowInMinutes !== undefined) throw validation("MaximumWindowInMinutes must not be provided when FlexibleTimeWindow Mode is OFF.");
  if (input.StartDate && input.EndDate && input.StartDate.getTime() >= input.EndDate.getTime()) throw validation("The StartDate must come before the EndDate.");
  const universal = parseUniversalArn(input.Target!.Arn!);
  if (universal && isReadOnlyAction(universal.action)) {
    throw validation(`Invalid target Arn ${input.Target!.Arn}: read-only API actions such as ${universal.action} are not supported as universal targets.`);
  }
  if (!handles(input.Target!.Arn!)) throw validation(`Invalid target Arn ${input.Target!.Arn}: the target is not supported.`);
  if (input.Target!.EventBridgeParameters && input.Target!.Input !== undefined) {
    try {
      JSON.parse(input.Target!.Input);
    } catch {
      throw validation("Input must be valid JSON when EventBridgeParameters are given.");
    }
  }
}

function save(db: Db, scope: Scope, doc: ScheduleDoc, now: Date, random: () => number): void {
  const run = doc.State === "ENABLED" ? nextRun(doc, now, random) : undefined;
  doc.nextNominal = run?.nominal;
  db.prepare(
    `INSERT INTO schedules (account, region, group_name, name, arn, state, next_fire, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, region, group_name, name) DO UPDATE SET state = excluded.state, next_fire = excluded.next_fire, doc = excluded.doc`,
  ).run(scope.account, scope.region, doc.GroupName, doc.Name, doc.Arn, doc.State, run?.fireAt ?? null, JSON.stringify(doc));
}

export function findSchedule(db: Db, scope: Scope, group: string, name: string): ScheduleDoc | undefined {
  const row = db.prepare("SELECT doc FROM schedules WHERE account = ? AND region = ? AND group_name = ? AND name = ?").get(scope.account, scope.region, group, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as ScheduleDoc) : undefined;
}

function requireSchedule(db: Db, scope: Scope, group: string, name: string): ScheduleDoc {
  const s = findSchedule(db, scope, group, name);
  if (!s) throw notFound(`Schedule ${name} does not exist.`);
  return s;
}

function docOf(scope: Scope, input: W.CreateScheduleInput, group: string, created: number, now: number): ScheduleDoc {
  return {
    Name: input.Name!, GroupName: group, Arn: scheduleArn(scope, group, input.Name!), State: input.State ?? "ENABLED",
    ScheduleExpression: input.ScheduleExpression!, ScheduleExpressionTimezone: input.ScheduleExpressionTimezone,
    StartDate: input.StartDate?.getTime(), EndDate: input.EndDate?.getTime(), FlexibleTimeWindow: input.FlexibleTimeWindow!,
    Target: input.Target!, Description: input.Description, ActionAfterCompletion: input.ActionAfterCompletion ?? "NONE", KmsKeyArn: input.KmsKeyArn,
    CreationDate: created, LastModificationDate: now,
  };
}

export function createSchedule(db: Db, clock: Clock, scope: Scope, input: W.CreateScheduleInput, { handles, random }: { handles: (arn: string) => boolean; random: () => number }): string {
  validate(input, handles);
  return db.transaction(() => {
    const group = requireGroup(db, clock, scope, input.GroupName ?? DEFAULT_GROUP).Name;
    if (findSchedule(db, scope, group, input.Name!)) throw conflict(`Schedule ${input.Name} already exists.`);
    const now = clock.now();
    const doc = docOf(scope, input, group, now.getTime(), now.getTime());
    save(db, scope, doc, now, random);
    return doc.Arn;
  })();
}

/** UpdateSchedule replaces every member, as Scheduler does: those left out go back to their defaults. */
export function updateSchedule(db: Db, clock: Clock, scope: Scope, input: W.UpdateScheduleInput, { handles, random }: { handles: (arn: string) => boolean; random: () => number }): string {
  validate(input, handles);
  return db.transaction(() => {
    const group = requireGroup(db, clock, scope, input.GroupName ?? DEFAULT_GROUP).Name;
    const previous = requireSchedule(db, scope, group, input.Name!);
    const now = clock.now();
    const doc = docOf(scope, input as W.CreateScheduleInput, group, previous.CreationDate, now.getTime());
    save(db, scope, doc, now, random);
    return doc.Arn;
  })();
}

export function getSchedule(db: Db, clock: Clock, scope: Scope, input: W.GetScheduleInput): W.GetScheduleOutput {
  const group = requireGroup(db, clock, scope, input.GroupName ?? DEFAULT_GROUP).Name;
  const s = requireSchedule(db, scope, group, input.Name!);
  const date = (n: number | undefined) => (n === undefined ? undefined : new Date(n));
  return {
    Name: s.Name, GroupName: s.GroupName, Arn: s.Arn, State: s.State, ScheduleExpression: s.ScheduleExpression, ScheduleExpressionTimezone: s.ScheduleExpressionTimezone,
    StartDate: date(s.StartDate), EndDate: date(s.EndDate), FlexibleTimeWindow: s.FlexibleTimeWindow, Target: s.Target, Description: s.Description,
    ActionAfterCompletion: s.ActionAfterCompletion, KmsKeyArn: s.KmsKeyArn, CreationDate: date(s.CreationDate), LastModificationDate: date(s.LastModificationDate),
  };
}

export function deleteSchedule(db: Db, clock: Clock, scope: Scope, input: W.DeleteScheduleInput): void {
  db.transaction(() => {
    const group = requireGroup(db, clock, scope, input.GroupName ?? DEFAULT_GROUP).Name;
    requireSchedule(db, scope, group, input.Name!);
    db.prepare("DELETE FROM schedules WHERE account = ? AND region = ? AND group_name = ? AND name = ?").run(scope.account, scope.region, group, input.Name);
  })();
}

export function listSchedules(db: Db, scope: Scope, input: W.ListSchedulesInput): W.ListSchedulesOutput {
  const rows = db.prepare("SELECT doc FROM schedules WHERE account = ? AND region = ? ORDER BY group_name, name").all(scope.account, scope.region) as Array<{ doc: string }>;
  const all = rows.map((r) => JSON.parse(r.doc) as ScheduleDoc).filter((s) =>
    (input.GroupName === undefined || s.GroupName === input.GroupName) && (input.NamePrefix === undefined || s.Name.startsWith(input.NamePrefix)) && (input.State === undefined || s.State === input.State));
  const { page, next } = pageOf(all, input.NextToken, input.MaxResults);
  return {
    Schedules: page.map((s) => ({ Arn: s.Arn, Name: s.Name, GroupName: s.GroupName, State: s.State, CreationDate: new Date(s.CreationDate), LastModificationDate: new Date(s.LastModificationDate), Target: { Arn: s.Target.Arn } })),
    NextToken: next,
  };
}

export { save as saveSchedule };
