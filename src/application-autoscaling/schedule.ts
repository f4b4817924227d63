import { Cron } from "croner";
import { validation } from "./errors.js";

/**
 * A scheduled action's Schedule: at(yyyy-mm-ddThh:mm:ss), rate(value unit) or AWS's six-field
 * cron(minutes hours day-of-month month day-of-week year), in the action's Timezone (UTC when
 * none). Cron is croner's (a well-kept library): AWS's fields are croner's with a seconds field
 * of 0 in front, and AWS numbers weekdays 1-7 from Sunday as Quartz does (croner's
 * alternativeWeekdays).
 */
export type Schedule =
  | { kind: "at"; cron: Cron }
  | { kind: "rate"; everyMs: number }
  | { kind: "cron"; cron: Cron };

const UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

export function parseSchedule(expression: string, timezone = "UTC"): Schedule {
  checkTimezone(timezone);
  const invalid = () => validation(`Unsupported schedule expression: ${expression}`);
  let m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (m) {
    try {
      return { kind: "at", cron: new Cron(m[1]!, { timezone, paused: true }) };
    } catch {
      throw invalid();
    }
  }
  m = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (m) {
    const value = Number(m[1]);
    // AWS takes the singular unit for 1 and the plural otherwise.
    if (value < 1 || (value === 1) !== !m[2]!.endsWith("s")) throw invalid();
    return { kind: "rate", everyMs: value * UNITS[m[2]!]! };
  }
  m = /^cron\((.+)\)$/.exec(expression);
  if (m) {
    const fields = m[1]!.trim().split(/\s+/);
    // One of day-of-month and day-of-week must be `?`, as AWS requires; that one matches any
    // day, so both must match (domAndDow).
    if (fields.length !== 6 || (fields[2] === "?") === (fields[4] === "?")) throw invalid();
    try {
      return { kind: "cron", cron: new Cron(`0 ${fields.join(" ")}`, { timezone, paused: true, alternativeWeekdays: true, domAndDow: true }) };
    } catch {
      throw invalid();
    }
  }
  throw invalid();
}

function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw validation(`Unsupported time zone: ${timezone}`);
  }
}

/**
 * When the action runs next strictly after `after`, within [start, end]; undefined when never
 * again. Rates count from StartTime, or else from when the action was created.
 */
export function nextRun(schedule: Schedule, after: Date, { start, end, created }: { start?: Date; end?: Date; created: Date }): Date | undefined {
  const from = start && start > after ? new Date(start.getTime() - 1) : after;
  let next: Date | undefined;
  if (schedule.kind === "rate") {
    const anchor = (start ?? created).getTime();
    const periods = Math.max(0, Math.floor((from.getTime() - anchor) / schedule.everyMs) + 1);
    next = new Date(anchor + periods * schedule.everyMs);
  } else {
    next = schedule.cron.nextRun(from) ?? undefined;
  }
  return next && (!end || next <= end) ? next : undefined;
}
