import { test } from "node:test";
import assert from "node:assert/strict";
import { nextRun, parseSchedule } from "./schedule.js";

const created = new Date("2025-03-01T00:00:00Z");
const next = (expr: string, after: string, opts: { tz?: string; start?: string; end?: string } = {}) =>
  nextRun(parseSchedule(expr, opts.tz), new Date(after), { created, start: opts.start ? new Date(opts.start) : undefined, end: opts.end ? new Date(opts.end) : undefined })?.toISOString();

test("at(): once, at that wall-clock time in the action's time zone", () => {
  assert.equal(next("at(2025-03-10T12:00:00)", "2025-03-01T00:00:00Z"), "2025-03-10T12:00:00.000Z");
  assert.equal(next("at(2025-03-10T12:00:00)", "2025-03-01T00:00:00Z", { tz: "America/New_York" }), "2025-03-10T16:00:00.000Z");
  assert.equal(next("at(2025-03-10T12:00:00)", "2025-03-10T12:00:00Z"), undefined, "never again once run");
});

test("rate(): every period from StartTime or creation", () => {
  assert.equal(next("rate(5 minutes)", "2025-03-01T00:07:00Z"), "2025-03-01T00:10:00.000Z");
  assert.equal(next("rate(1 hour)", "2025-03-01T00:00:00Z"), "2025-03-01T01:00:00.000Z");
  assert.equal(next("rate(1 day)", "2025-03-01T00:00:00Z", { start: "2025-03-05T06:00:00Z" }), "2025-03-05T06:00:00.000Z");
});

test("cron(): AWS's six fields, weekdays 1-7 from Sunday, the year, the time zone; EndTime stops it", () => {
  // 12:00 UTC on weekdays MON-FRI.
  assert.equal(next("cron(0 12 ? * MON-FRI *)", "2025-03-01T00:00:00Z"), "2025-03-03T12:00:00.000Z", "March 1st 2025 is a Saturday");
  // Day 2 is Monday in AWS's numbering.
  assert.equal(next("cron(30 9 ? * 2 *)", "2025-03-01T00:00:00Z"), "2025-03-03T09:30:00.000Z");
  assert.equal(next("cron(0 0 1 * ? 2026)", "2025-03-01T00:00:00Z"), "2026-01-01T00:00:00.000Z");
  assert.equal(next("cron(0 8 * * ? *)", "2025-03-01T00:00:00Z", { tz: "Europe/Paris" }), "2025-03-01T07:00:00.000Z");
  assert.equal(next("cron(0 8 * * ? *)", "2025-03-01T09:00:00Z", { end: "2025-03-02T00:00:00Z" }), undefined);
});

test("expressions AWS refuses", () => {
  for (const bad of ["cron(0 12 * * *)", "cron(0 12 * * MON *)", "cron(0 12 ? * ? *)", "cron(61 12 * * ? *)", "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)",
    "rate(5 weeks)", "at(2025-13-01T00:00:00)", "at(tomorrow)", "every day"]) {
    assert.throws(() => parseSchedule(bad), (e: Error) => e.name === "ValidationException" && e.message === `Unsupported schedule expression: ${bad}`, bad);
  }
  assert.throws(() => parseSchedule("rate(5 minutes)", "Mars/Olympus"), /Unsupported time zone/);
});
