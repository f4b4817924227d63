import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../store/database.js";
import { createLogger } from "../../core/logger.js";
import { createMetricStore } from "../metrics/metric-store.js";
import { createAlarms } from "./alarms.js";
import type { RequestContext } from "../../aws/request-context.js";

/**
 * Anomaly detection alarms in-process over the real metric store (GetMetricData's band), with a
 * clock moved by hand: the three range operators, and INSUFFICIENT_DATA while the model trains.
 */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), "berth-band-alarms-"));
  const db = openDatabase(dir);
  let now = Date.UTC(2026, 5, 12, 20, 40, 0);
  const clock = { now: () => new Date(now) };
  const metrics = createMetricStore({ db, clock, maintenanceMs: 0 });
  const alarms = createAlarms({ db, clock, config: { metricPeriodScale: 1 }, queries: metrics, log: createLogger("silent") });
  const scope = { account: "000000000000", region: "us-east-1" };
  const ctx = { ...scope, requestId: "r", log: createLogger("silent") } as unknown as RequestContext;
  const call = async (op: string, input: unknown) => (await alarms.handlers[op]!(input, ctx)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const put = (minute: number, value: number) =>
    metrics.put(scope, [{ namespace: "App", metricName: "Queue", dimensions: [], timestamp: new Date(Date.UTC(2026, 5, 12, 20, minute, 5)), value }]);
  const state = async (name: string) => (await call("DescribeAlarms", { AlarmNames: [name] })).MetricAlarms[0];
  return {
    alarms, call, put, state,
    at: (minute: number) => (now = Date.UTC(2026, 5, 12, 20, minute, 10)),
    close: () => (metrics.close(), db.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

const bandAlarm = (name: string, operator: string, treatMissingData = "missing") => ({
  AlarmName: name, EvaluationPeriods: 1, ThresholdMetricId: "ad1", ComparisonOperator: operator, TreatMissingData: treatMissingData,
  Metrics: [
    { Id: "m1", MetricStat: { Metric: { Namespace: "App", MetricName: "Queue" }, Period: 60, Stat: "Average" }, ReturnData: true },
    { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)", ReturnData: true },
  ],
});

test("while the model trains a band alarm is INSUFFICIENT_DATA, even with missing data treated as breaching", async () => {
  const t = setup();
  try {
    await t.call("PutMetricAlarm", bandAlarm("up", "GreaterThanUpperThreshold", "breaching"));
    await t.call("SetAlarmState", { AlarmName: "up", StateValue: "OK", StateReason: "by hand" });
    t.put(39, 10);
    t.at(40);
    await t.alarms.evaluate();
    const a = await t.state("up");
    assert.equal(a.StateValue, "INSUFFICIENT_DATA");
    assert.equal(a.StateReason, "Insufficient Data: 1 datapoint was unknown.");
  } finally {
    t.close();
  }
});

test("the three range operators compare each datapoint with its band", async () => {
  const t = setup();
  try {
    await t.call("PutMetricAlarm", bandAlarm("up", "GreaterThanUpperThreshold"));
    await t.call("PutMetricAlarm", bandAlarm("down", "LessThanLowerThreshold"));
    await t.call("PutMetricAlarm", bandAlarm("both", "LessThanLowerOrGreaterThanUpperThreshold"));
    // Half an hour at 10: the band is 10 +- 2 x (0.5 % of 10), [9.9, 10.1].
    for (let m = 0; m < 30; m++) t.put(m, 10);
    t.put(30, 10);
    t.at(31);
    await t.alarms.evaluate();
    assert.deepEqual([(await t.state("up")).StateValue, (await t.state("down")).StateValue, (await t.state("both")).StateValue], ["OK", "OK", "OK"]);

    t.put(31, 2);
    t.at(32);
    await t.alarms.evaluate();
    const down = await t.state("down");
    assert.deepEqual([(await t.state("up")).StateValue, down.StateValue, (await t.state("both")).StateValue], ["OK", "ALARM", "ALARM"]);
    assert.equal(down.StateReason, "Thresholds Crossed: 1 out of the last 1 datapoints [2.0 (12/06/26 20:31:00)] was less than the lower thresholds [9.9] (minimum 1 datapoint for OK -> ALARM transition).");
    assert.equal(JSON.parse(down.StateReasonData).threshold, undefined);

    t.put(32, 500);
    t.at(33);
    await t.alarms.evaluate();
    const up = await t.state("up");
    assert.deepEqual([up.StateValue, (await t.state("down")).StateValue, (await t.state("both")).StateValue], ["ALARM", "OK", "ALARM"]);
    assert.match(up.StateReason, /^Thresholds Crossed: 1 out of the last 1 datapoints \[500\.0 \(12\/06\/26 20:32:00\)\] was greater than the upper thresholds \[[0-9.]+\]/);
  } finally {
    t.close();
  }
});
