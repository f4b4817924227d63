import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GetMetricDataInput, GetMetricDataOutput } from "@aws-sdk/client-cloudwatch";
import { openDatabase } from "../../store/database.js";
import { createLogger } from "../../core/logger.js";
import type { MetricQueries } from "../metrics/metric-queries.js";
import type { AlarmStateChange } from "./alarm-actions.js";
import { createAlarms } from "./alarms.js";
import type { RequestContext } from "../../aws/request-context.js";

/**
 * The alarms in-process against the MetricQueries contract: a small stand-in store answers
 * GetMetricData's MetricStat queries (Average and Maximum per period, timestamps at period starts),
 * and the clock is moved by hand.
 */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), "berth-alarms-"));
  const db = openDatabase(dir);
  let now = Date.UTC(2026, 5, 12, 20, 40, 0);
  const clock = { now: () => new Date(now) };
  const points: Array<{ name: string; t: number; v: number }> = [];
  const queries: MetricQueries = {
    getMetricData(_scope, input: GetMetricDataInput): GetMetricDataOutput {
      const start = input.StartTime!.getTime();
      const end = input.EndTime!.getTime();
      return {
        MetricDataResults: input.MetricDataQueries!.filter((q) => q.MetricStat).map((q) => {
          const period = q.MetricStat!.Period! * 1000;
          const buckets = new Map<number, number[]>();
          for (const p of points) {
            if (p.name !== q.MetricStat!.Metric!.MetricName || p.t < start || p.t >= end) continue;
            const b = start + Math.floor((p.t - start) / period) * period;
            buckets.set(b, [...(buckets.get(b) ?? []), p.v]);
          }
          const ts = [...buckets.keys()].sort((a, b) => a - b);
          const stat = (vs: number[]) => (q.MetricStat!.Stat === "Maximum" ? Math.max(...vs) : vs.reduce((a, b) => a + b, 0) / vs.length);
          return { Id: q.Id, Timestamps: ts.map((t) => new Date(t)), Values: ts.map((t) => stat(buckets.get(t)!)), StatusCode: "Complete" };
        }),
      };
    },
    getMetricStatistics: () => ({}),
  };
  const alarms = createAlarms({ db, clock, config: { metricPeriodScale: 1 }, queries, log: createLogger("silent") });
  const invoked: Array<{ arn: string; change: AlarmStateChange }> = [];
  alarms.addActionTarget({ handles: (arn) => arn.startsWith("arn:aws:autoscaling:"), invoke: async (arn, change) => void invoked.push({ arn, change }) });
  const ctx = { account: "000000000000", region: "us-east-1", requestId: "r", log: createLogger("silent") } as unknown as RequestContext;
  const call = async (op: string, input: unknown) => (await alarms.handlers[op]!(input, ctx)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    alarms, call, invoked,
    put: (name: string, minute: number, v: number) => points.push({ name, t: Date.UTC(2026, 5, 12, 20, minute, 0) + 5000, v }),
    at: (minute: number, second = 10) => (now = Date.UTC(2026, 5, 12, 20, minute, second)),
    close: () => (db.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

const POLICY = "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:1b2c:resource/ecs/service/dev/web:policyName/cpu60";
const cpuAlarm = { AlarmName: "cpu-high", Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: "Average", Period: 60, EvaluationPeriods: 1, Threshold: 60, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [POLICY] };

test("a new alarm is INSUFFICIENT_DATA, a breaching datapoint takes it to ALARM with CloudWatch's reason, and its actions run", async () => {
  const t = setup();
  try {
    await t.call("PutMetricAlarm", cpuAlarm);
    let [a] = (await t.call("DescribeAlarms", {})).MetricAlarms;
    assert.equal(a.StateValue, "INSUFFICIENT_DATA");
    assert.equal(a.StateReason, "Unchecked: Initial alarm creation");
    t.put("CPUUtilization", 41, 72.5);
    t.at(42);
    await t.alarms.evaluate();
    [a] = (await t.call("DescribeAlarms", {})).MetricAlarms;
    assert.equal(a.StateValue, "ALARM");
    assert.equal(a.StateReason, "Threshold Crossed: 1 out of the last 1 datapoints [72.5 (12/06/26 20:41:00)] was greater than the threshold (60.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).");
    const data = JSON.parse(a.StateReasonData);
    assert.deepEqual([data.version, data.statistic, data.period, data.threshold, data.recentDatapoints], ["1.0", "Average", 60, 60, [72.5]]);
    assert.deepEqual(data.evaluatedDatapoints, [{ timestamp: "2026-06-12T20:41:00.000+0000", value: 72.5 }]);
    assert.deepEqual(t.invoked.map((i) => [i.arn, i.change.oldState, i.change.newState]), [[POLICY, "INSUFFICIENT_DATA", "ALARM"]]);
    // Still breaching a minute later: no new transition, but Auto Scaling's action runs again.
    t.put("CPUUtilization", 42, 80);
    t.at(43);
    await t.alarms.evaluate();
    assert.equal(t.invoked.length, 2);
    const history = (await t.call("DescribeAlarmHistory", { AlarmName: "cpu-high", ScanBy: "TimestampAscending" })).AlarmHistoryItems;
    assert.deepEqual(history.map((h: { HistorySummary: string }) => h.HistorySummary), [
      'Alarm "cpu-high" created',
      "Alarm updated from INSUFFICIENT_DATA to ALARM",
      `Successfully executed action ${POLICY}`,
    ]);
  } finally {
    t.close();
  }
});

test("DisableAlarmActions stops the actions; the alarm still changes state", async () => {
  const t = setup();
  try {
    await t.call("PutMetricAlarm", cpuAlarm);
    await t.call("DisableAlarmActions", { AlarmNames: ["cpu-high", "nope"] });
    t.put("CPUUtilization", 41, 99);
    t.at(42);
    await t.alarms.evaluate();
    const [a] = (await t.call("DescribeAlarms", {})).MetricAlarms;
    assert.deepEqual([a.StateValue, a.ActionsEnabled, t.invoked.length], ["ALARM", false, 0]);
  } finally {
    t.close();
  }
});

test("3 out of 3 with missing data treated as missing: premature ALARM is avoided, then OK", async () => {
  const t = setup();
  try {
    await t.call("PutMetricAlarm", { ...cpuAlarm, AlarmName: "m", EvaluationPeriods: 3, AlarmActions: [] });
    t.put("CPUUtilization", 41, 90);
    t.at(42);
    await t.alarms.evaluate();
    assert.equal((await t.call("DescribeAlarms", {})).MetricAlarms[0].StateValue, "INSUFFICIENT_DATA");
    t.put("CPUUtilization", 42, 10);
    t.at(43);
    await t.alarms.evaluate();
    const [a] = (await t.call("DescribeAlarms", {})).MetricAlarms;
    assert.equal(a.StateValue, "OK");
    assert.match(a.StateReason, /^Threshold Crossed: 1 out of the last 2 datapoints \[10\.0 \(12\/06\/26 20:42:00\), 90\.0 \(12\/06\/26 20:41:00\)\] was not greater than the threshold \(60\.0\)/);
  } finally {
    t.close();
  }
});

test("composite alarms follow their children; DeleteAlarms keeps children a composite needs", async () => {
  const t = setup();
  try {
    await t.call("PutMetricAlarm", { ...cpuAlarm, AlarmActions: [] });
    await t.call("PutMetricAlarm", { ...cpuAlarm, AlarmName: "mem-high", MetricName: "MemoryUtilization", AlarmActions: [] });
    await assert.rejects(t.call("PutCompositeAlarm", { AlarmName: "both", AlarmRule: "ALARM(cpu-high) AND ALARM(nope)" }), /alarms \[nope\] in the alarm rule do not exist/);
    await assert.rejects(t.call("PutCompositeAlarm", { AlarmName: "both", AlarmRule: "ALARM(cpu-high) AND" }), { name: "InvalidParameterValueException" });
    await t.call("PutCompositeAlarm", { AlarmName: "both", AlarmRule: 'ALARM("cpu-high") AND ALARM(mem-high)' });
    const composite = () => t.call("DescribeAlarms", { AlarmTypes: ["CompositeAlarm"] }).then((r) => r.CompositeAlarms[0]);
    assert.equal((await composite()).StateValue, "OK");
    await t.call("SetAlarmState", { AlarmName: "cpu-high", StateValue: "ALARM", StateReason: "testing" });
    assert.equal((await composite()).StateValue, "OK");
    await t.call("SetAlarmState", { AlarmName: "mem-high", StateValue: "ALARM", StateReason: "testing", StateReasonData: '{"a":1}' });
    const c = await composite();
    assert.equal(c.StateValue, "ALARM");
    assert.match(c.StateReason, /alarm:mem-high transitioned to ALARM/);
    assert.deepEqual((await t.call("DescribeAlarms", { ChildrenOfAlarmName: "both" })).MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName), ["cpu-high", "mem-high"]);
    assert.deepEqual((await t.call("DescribeAlarms", { ParentsOfAlarmName: "cpu-high" })).CompositeAlarms.map((a: { AlarmName: string }) => a.AlarmName), ["both"]);
    await assert.rejects(t.call("DescribeAlarms", { ChildrenOfAlarmName: "both", StateValue: "OK" }), { name: "InvalidParameterCombinationException" });
    await assert.rejects(t.call("DeleteAlarms", { AlarmNames: ["cpu-high"] }), /composite alarm both depends on it/);
    assert.equal((await t.call("DescribeAlarms", {})).MetricAlarms.length, 2);
    await t.call("DeleteAlarms", { AlarmNames: ["cpu-high", "both", "not-there"] });
    assert.deepEqual((await t.call("DescribeAlarms", { AlarmTypes: ["MetricAlarm", "CompositeAlarm"] })).MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName), ["mem-high"]);
  } finally {
    t.close();
  }
});

test("bad input gets CloudWatch's errors and changes nothing", async () => {
  const t = setup();
  try {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ Period: 45 }, "InvalidParameterValueException"],
      [{ Statistic: undefined }, "InvalidParameterCombinationException"],
      [{ ExtendedStatistic: "p99" }, "InvalidParameterCombinationException"],
      [{ Statistic: undefined, ExtendedStatistic: "q99" }, "InvalidParameterValueException"],
      [{ DatapointsToAlarm: 2 }, "InvalidParameterCombinationException"],
      [{ EvaluationPeriods: 1441 }, "InvalidParameterCombinationException"],
      [{ TreatMissingData: "sometimes" }, "InvalidParameterValueException"],
      [{ Threshold: undefined }, "MissingRequiredParameterException"],
      [{ ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold" }, "InvalidParameterCombinationException"],
      [{ AlarmActions: ["not-an-arn"] }, "InvalidParameterValueException"],
      [{ Metrics: [{ Id: "m1", Expression: "1" }] }, "InvalidParameterCombinationException"],
    ];
    for (const [change, code] of bad) await assert.rejects(t.call("PutMetricAlarm", { ...cpuAlarm, ...change }), { name: code }, JSON.stringify(change));
    const math = { AlarmName: "math", EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" };
    const stat = { Metric: { Namespace: "N", MetricName: "A" }, Period: 60, Stat: "Sum" };
    await assert.rejects(t.call("PutMetricAlarm", { ...math, Metrics: [{ Id: "a", MetricStat: stat }, { Id: "e", Expression: "a*2" }] }), /Exactly one element of the metrics list should return data/);
    await assert.rejects(t.call("PutMetricAlarm", { ...math, Metrics: [{ Id: "A", MetricStat: stat }] }), { name: "InvalidParameterValueException" });
    await assert.rejects(t.call("SetAlarmState", { AlarmName: "nope", StateValue: "OK", StateReason: "x" }), { name: "ResourceNotFound" });
    await t.call("PutMetricAlarm", { ...math, Metrics: [{ Id: "a", MetricStat: stat, ReturnData: false }, { Id: "e", Expression: "a*2" }] });
    await assert.rejects(t.call("SetAlarmState", { AlarmName: "math", StateValue: "OK", StateReason: "x", StateReasonData: "{nope" }), { name: "InvalidFormatFault" });
    const all = await t.call("DescribeAlarms", {});
    assert.deepEqual(all.MetricAlarms.map((a: { AlarmName: string; StateValue: string }) => [a.AlarmName, a.StateValue]), [["math", "INSUFFICIENT_DATA"]]);
    assert.equal((await t.call("DescribeAlarmHistory", { HistoryItemType: "StateUpdate" })).AlarmHistoryItems.length, 0);
  } finally {
    t.close();
  }
});

test("DescribeAlarms pages with MaxRecords and NextToken; tags on alarms", async () => {
  const t = setup();
  try {
    for (const n of ["a1", "a2", "a3", "b1"]) await t.call("PutMetricAlarm", { ...cpuAlarm, AlarmName: n, Tags: [{ Key: "team", Value: n }] });
    const first = await t.call("DescribeAlarms", { AlarmNamePrefix: "a", MaxRecords: 2 });
    assert.deepEqual(first.MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName), ["a1", "a2"]);
    const second = await t.call("DescribeAlarms", { AlarmNamePrefix: "a", MaxRecords: 2, NextToken: first.NextToken });
    assert.deepEqual([second.MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName), second.NextToken], [["a3"], undefined]);
    await assert.rejects(t.call("DescribeAlarms", { NextToken: "garbage" }), { name: "InvalidNextToken" });
    const arn = first.MetricAlarms[0].AlarmArn;
    assert.equal(arn, "arn:aws:cloudwatch:us-east-1:000000000000:alarm:a1");
    await t.call("TagResource", { ResourceARN: arn, Tags: [{ Key: "env", Value: "dev" }] });
    await t.call("UntagResource", { ResourceARN: arn, TagKeys: ["team"] });
    assert.deepEqual((await t.call("ListTagsForResource", { ResourceARN: arn })).Tags, [{ Key: "env", Value: "dev" }]);
    await assert.rejects(t.call("ListTagsForResource", { ResourceARN: arn + "x" }), { name: "ResourceNotFoundException" });
  } finally {
    t.close();
  }
});
