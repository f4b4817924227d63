import { Cron } from "croner";

/**
 * EventBridge schedule expressions: `rate(value unit)` and AWS's six-field
 * `cron(minutes hours day-of-month month day-of-week year)`, evaluated in a time zone (UTC for
 * rules; Scheduler may name one). Scheduler's one-time `at(yyyy-mm-ddThh:mm:ss)` is parsed here too.
 * The cron arithmetic is croner's; this module translates AWS's fields into its pattern.
 */
export type ScheduleExpression =
  | { kind: "rate"; periodMs: number }
  | { kind: "cron"; next(after: Date): Date | undefined }
  | { kind: "at"; at: Date };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Parses an expression; undefined when it is not valid (callers word the error as their API does). */
export function parseScheduleExpression(text: string, { timezone = "UTC", allowAt = false }: { timezone?: string; allowAt?: boolean } = {}): ScheduleExpression | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    // AWS: a value of 1 takes the singular unit, larger values the plural.
    if (value < 1 || (value === 1) !== !unit.endsWith("s")) return undefined;
    return { kind: "rate", periodMs: value * UNIT_MS[unit.replace(/s$/, "")]! };
  }
  const cron = /^cron\((.+)\)$/.exec(text);
  if (cron) return parseCron(cron[1]!, timezone);
  const at = allowAt ? /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(text) : null;
  if (at) {
    const date = wallClockToDate(at[1]!, timezone);
    return date ? { kind: "at", at: date } : undefined;
  }
  return undefined;
}

function parseCron(body: string, timezone: string): ScheduleExpression | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  // AWS: one of day-of-month and day-of-week is `?`, never both, never neither; years 1970-2199.
  if ((dom === "?") === (dow === "?")) return undefined;
  if (year.split(/[,\-/]/).some((y) => /^\d{4}$/.test(y) && (Number(y) < 1970 || Number(y) > 2199))) return undefined;
  let cron: Cron;
  try {
    // croner substitutes the current time for `?`, so AWS's "no value" becomes its wildcard.
    // AWS numbers days of the week 1-7 from Sunday, as Quartz does (alternativeWeekdays) and
    // steps like `0/15` (sloppyRanges).
    const pattern = ["0", minutes, hours, dom === "?" ? "*" : dom, month, dow === "?" ? "*" : dow, year].join(" ");
    cron = new Cron(pattern, { timezone, mode: "7-part", alternativeWeekdays: true, sloppyRanges: true, domAndDow: true, paused: true });
  } catch {
    return undefined;
  }
  return { kind: "cron", next: (after: Date) => cron.nextRun(after) ?? undefined };
}

/** A wall-clock time in a time zone as an instant (croner knows the zone's offsets). */
function wallClockToDate(text: string, timezone: string): Date | undefined {
  const [date, time] = text.split("T") as [string, string];
  const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
  const [h, mi, s] = time.split(":").map(Number) as [number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  try {
    // The first run of a cron for exactly that minute and second, from a day before.
    const cron = new Cron(`${s} ${mi} ${h} ${d} ${mo} *`, { timezone, paused: true });
    const run = cron.nextRun(new Date(Date.UTC(y, mo - 1, d) - 2 * 86_400_000));
    return run && run.getUTCFullYear() >= y - 1 && run.getUTCFullYear() <= y + 1 ? run : undefined;
  } catch {
    return undefined;
  }
}

/** When a schedule fires next after `after`; rates count from `anchor` (when the rule was made). */
export function nextFire(expr: ScheduleExpression, after: Date, anchor: Date): Date | undefined {
  switch (expr.kind) {
    case "rate": {
      // Before the anchor (a schedule's StartDate), the first run is the anchor itself.
      if (after.getTime() < anchor.getTime()) return anchor;
      const periods = Math.floor((after.getTime() - anchor.getTime()) / expr.periodMs) + 1;
      return new Date(anchor.getTime() + periods * expr.periodMs);
    }
    case "cron":
      return expr.next(after);
    case "at":
      return expr.at.getTime() > after.getTime() ? expr.at : undefined;
  }
}
