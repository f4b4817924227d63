import { test } from "node:test";
import assert from "node:assert/strict";
import { nextFire, parseScheduleExpression } from "./schedule-expression.js";

const t = (iso: string) => new Date(iso);
const next = (expr: string, after: string, { timezone, anchor }: { timezone?: string; anchor?: string } = {}) =>
  nextFire(parseScheduleExpression(expr, { timezone, allowAt: true })!, t(after), t(anchor ?? after))?.toISOString();

test("rate: singular for 1, plural above; counted from the rule's creation", () => {
  assert.equal(next("rate(1 minute)", "2024-01-01T00:00:30Z"), "2024-01-01T00:01:30.000Z");
  assert.equal(next("rate(1 hour)", "2024-01-01T05:30:00Z", { anchor: "2024-01-01T00:10:00Z" }), "2024-01-01T06:10:00.000Z");
  assert.equal(next("rate(5 days)", "2024-01-01T00:00:00Z"), "2024-01-06T00:00:00.000Z");
  for (const bad of ["rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "rate(5 weeks)", "rate(-1 hours)", "rate(1.5 hours)"]) {
    assert.equal(parseScheduleExpression(bad), undefined, bad);
  }
});

test("an hourly rule with the clock advanced fires at each hour after its anchor", () => {
  const anchor = "2024-03-01T10:00:00Z";
  let at = anchor;
  const fired: string[] = [];
  for (let i = 0; i < 3; i++) {
    at = next("rate(1 hour)", at, { anchor })!;
    fired.push(at);
  }
  assert.deepEqual(fired, ["2024-03-01T11:00:00.000Z", "2024-03-01T12:00:00.000Z", "2024-03-01T13:00:00.000Z"]);
});

test("cron: AWS's six fields, UTC", () => {
  assert.equal(next("cron(0 2 * * ? *)", "2024-01-01T03:00:00Z"), "2024-01-02T02:00:00.000Z");
  assert.equal(next("cron(0/15 * * * ? *)", "2024-01-01T03:07:00Z"), "2024-01-01T03:15:00.000Z");
  // 1 is Sunday in AWS's day-of-week; 2024-01-07 is a Sunday.
  assert.equal(next("cron(0 12 ? * 1 *)", "2024-01-01T00:00:00Z"), "2024-01-07T12:00:00.000Z");
  assert.equal(next("cron(0 18 ? * MON-FRI *)", "2024-01-06T00:00:00Z"), "2024-01-08T18:00:00.000Z");
  assert.equal(next("cron(0 8 1 * ? *)", "2024-01-15T00:00:00Z"), "2024-02-01T08:00:00.000Z");
  // The year field.
  assert.equal(next("cron(0 0 1 1 ? 2026)", "2024-06-01T00:00:00Z"), "2026-01-01T00:00:00.000Z");
  // Last day of the month.
  assert.equal(next("cron(0 0 L * ? *)", "2024-02-03T00:00:00Z"), "2024-02-29T00:00:00.000Z");
  for (const bad of ["cron(0 2 * * * *)", "cron(0 2 ? * ? *)", "cron(0 2 * *)", "cron(61 2 * * ? *)", "cron(0 2 * * ? 1800)", "cron(x y z)"]) {
    assert.equal(parseScheduleExpression(bad), undefined, bad);
  }
});

test("time zones and at()", () => {
  // 02:00 in New York in January is 07:00 UTC.
  assert.equal(next("cron(0 2 * * ? *)", "2024-01-01T08:00:00Z", { timezone: "America/New_York" }), "2024-01-02T07:00:00.000Z");
  assert.equal(next("at(2024-05-01T10:00:00)", "2024-01-01T00:00:00Z"), "2024-05-01T10:00:00.000Z");
  assert.equal(next("at(2024-05-01T10:00:00)", "2024-01-01T00:00:00Z", { timezone: "Europe/Paris" }), "2024-05-01T08:00:00.000Z");
  assert.equal(next("at(2024-05-01T10:00:00)", "2024-06-01T00:00:00Z"), undefined);
  assert.equal(parseScheduleExpression("at(2024-05-01T10:00:00)"), undefined, "at() only where allowed");
  assert.equal(parseScheduleExpression("at(2024-13-01T10:00:00)", { allowAt: true }), undefined);
});
