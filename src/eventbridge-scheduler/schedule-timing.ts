import type * as W from "@aws-sdk/client-scheduler";
import { nextFire, parseScheduleExpression, type ScheduleExpression } from "../events/schedules/schedule-expression.js";

/** What the timing of a schedule depends on (the stored schedule's members). */
export interface Timing {
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  FlexibleTimeWindow: W.FlexibleTimeWindow;
  CreationDate: number;
}

export const expressionOf = (t: Pick<Timing, "ScheduleExpression" | "ScheduleExpressionTimezone">): ScheduleExpression | undefined =>
  parseScheduleExpression(t.ScheduleExpression, { timezone: t.ScheduleExpressionTimezone ?? "UTC", allowAt: true });

/**
 * The schedule's next invocation after `after`: its nominal time (what the expression says, within
 * StartDate and EndDate; a one-time at() ignores both, as Scheduler does) and when it fires — later
 * by a random part of the flexible time window when there is one.
 */
export function nextRun(t: Timing, after: Date, random: () => number = Math.random): { nominal: number; fireAt: number } | undefined {
  const expr = expressionOf(t);
  if (!expr) return undefined;
  let from = after;
  if (expr.kind !== "at" && t.StartDate !== undefined && t.StartDate - 1 > from.getTime()) from = new Date(t.StartDate - 1);
  const anchor = new Date(t.StartDate ?? t.CreationDate);
  const nominal = nextFire(expr, from, anchor)?.getTime();
  if (nominal === undefined) return undefined;
  if (expr.kind !== "at" && t.EndDate !== undefined && nominal > t.EndDate) return undefined;
  const windowMs = t.FlexibleTimeWindow.Mode === "FLEXIBLE" ? (t.FlexibleTimeWindow.MaximumWindowInMinutes ?? 0) * 60_000 : 0;
  return { nominal, fireAt: nominal + Math.floor(random() * windowMs) };
}
