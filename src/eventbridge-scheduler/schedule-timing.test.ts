import { test } from "node:test";
import assert from "node:assert/strict";
import { nextRun, type Timing } from "./schedule-timing.js";

const t = (iso: string) => Date.parse(iso);
const timing = (over: Partial<Timing>): Timing => ({ ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: { Mode: "OFF" }, CreationDate: t("2024-01-01T00:00:00Z"), ...over });
const iso = (n: number | undefined) => (n === undefined ? undefined : new Date(n).toISOString());

test("rate counts from StartDate (or creation); nothing before StartDate or after EndDate", () => {
  assert.equal(iso(nextRun(timing({}), new Date("2024-01-01T00:30:00Z"))?.fireAt), "2024-01-01T01:00:00.000Z");
  const started = timing({ StartDate: t("2024-02-01T10:15:00Z") });
  assert.equal(iso(nextRun(started, new Date("2024-01-01T00:30:00Z"))?.fireAt), "2024-02-01T10:15:00.000Z");
  assert.equal(iso(nextRun(started, new Date("2024-02-01T10:15:00Z"))?.fireAt), "2024-02-01T11:15:00.000Z");
  assert.equal(nextRun(timing({ EndDate: t("2024-01-01T00:59:00Z") }), new Date("2024-01-01T00:30:00Z")), undefined);
});

test("cron in a time zone; at() once", () => {
  const nightly = timing({ ScheduleExpression: "cron(0 2 * * ? *)", ScheduleExpressionTimezone: "Europe/Paris" });
  assert.equal(iso(nextRun(nightly, new Date("2024-07-01T12:00:00Z"))?.fireAt), "2024-07-02T00:00:00.000Z");
  const once = timing({ ScheduleExpression: "at(2024-03-01T09:00:00)" });
  assert.equal(iso(nextRun(once, new Date("2024-01-01T00:00:00Z"))?.fireAt), "2024-03-01T09:00:00.000Z");
  assert.equal(nextRun(once, new Date("2024-03-01T09:00:00Z")), undefined);
});

test("a flexible window delays the invocation by a random part of it; the nominal time stays", () => {
  const flexible = timing({ FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 10 } });
  const run = nextRun(flexible, new Date("2024-01-01T00:30:00Z"), () => 0.5)!;
  assert.equal(iso(run.nominal), "2024-01-01T01:00:00.000Z");
  assert.equal(iso(run.fireAt), "2024-01-01T01:05:00.000Z");
  assert.equal(iso(nextRun(flexible, new Date(run.nominal), () => 0)!.fireAt), "2024-01-01T02:00:00.000Z");
});
