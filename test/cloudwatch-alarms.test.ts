import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, type MetricAlarm, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { AwsQueryProtocol } from "@aws-sdk/core/protocols";
import { BerthProcess } from "./harness.js";

/**
 * CloudWatch alarms end to end: the AWS CLI and SDK v3 (awsJson1_0 and awsQuery) against a real
 * server whose alarms evaluate on their own timer over metrics published with PutMetricData.
 * The alarms use 10-second periods (high resolution), which AWS evaluates every 10 seconds.
 */

const client = (berth: BerthProcess, options: Record<string, unknown> = {}) =>
  new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1, ...options });

/** Waits (up to a generous deadline, never asserting on time) until the alarm reaches `state`. */
async function waitForState(cw: CloudWatchClient, name: string, state: string, types: Array<"MetricAlarm" | "CompositeAlarm"> = ["MetricAlarm"]) {
  for (let i = 0; i < 120; i++) {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: types }));
    const alarm = out.MetricAlarms?.[0] ?? out.CompositeAlarms?.[0];
    if (alarm?.StateValue === state) return alarm;
    await sleep(500);
  }
  throw new Error(`alarm ${name} never reached ${state}`);
}

/** High-resolution datapoints, one a second over the last `seconds` seconds. */
async function publish(cw: CloudWatchClient, metric: string, value: number, seconds = 30) {
  const now = Date.now();
  await cw.send(new PutMetricDataCommand({
    Namespace: "Berth/Alarms",
    MetricData: Array.from({ length: seconds }, (_, i) => ({ MetricName: metric, Value: value, StorageResolution: 1, Timestamp: new Date(now - i * 1000) })),
  }));
}

test("breaching datapoints take an alarm to ALARM; SetAlarmState, composite alarms, history, bad input, restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-alarms-"));
  let berth = await BerthProcess.start({ dataDir });
  try {
    const cw = client(berth);
    // The AWS CLI (awsQuery) creates the alarm.
    await berth.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "hot", "--namespace", "Berth/Alarms", "--metric-name", "Temp",
      "--statistic", "Maximum", "--period", "10", "--evaluation-periods", "1", "--threshold", "60", "--comparison-operator", "GreaterThanThreshold",
      "--tags", "Key=team,Value=ops");
    let alarm = (await berth.aws("cloudwatch", "describe-alarms", "--alarm-names", "hot")).MetricAlarms[0];
    assert.equal(alarm.StateValue, "INSUFFICIENT_DATA");
    assert.equal(alarm.StateReason, "Unchecked: Initial alarm creation");
    assert.equal(alarm.AlarmArn, "arn:aws:cloudwatch:us-east-1:000000000000:alarm:hot");

    // Bad input: AWS's errors, and nothing changes.
    await assert.rejects(
      berth.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "hot", "--namespace", "Berth/Alarms", "--metric-name", "Temp",
        "--statistic", "Maximum", "--period", "45", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "LessThanThreshold"),
      /InvalidParameterValue.*Period must be 10, 20, 30 or a multiple of 60/s,
    );
    await assert.rejects(cw.send(new SetAlarmStateCommand({ AlarmName: "hot", StateValue: "ALARM", StateReason: "x", StateReasonData: "{not json" })), { name: "InvalidFormatFault" });
    await assert.rejects(cw.send(new SetAlarmStateCommand({ AlarmName: "nope", StateValue: "ALARM", StateReason: "x" })), { name: "ResourceNotFound" });
    await assert.rejects(
      cw.send(new PutMetricAlarmCommand({ AlarmName: "two", Namespace: "N", MetricName: "M", Statistic: "Sum", ExtendedStatistic: "p90", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" })),
      { name: "InvalidParameterCombinationException" },
    );
    alarm = (await berth.aws("cloudwatch", "describe-alarms")).MetricAlarms;
    assert.deepEqual(alarm.map((a: { AlarmName: string; ComparisonOperator: string }) => [a.AlarmName, a.ComparisonOperator]), [["hot", "GreaterThanThreshold"]]);

    // Breaching data: the alarm's own timer takes it to ALARM, with CloudWatch's reason.
    await publish(cw, "Temp", 72.5);
    const hot = await waitForState(cw, "hot", "ALARM");
    assert.match(hot.StateReason!, /^Threshold Crossed: 1 out of the last 1 datapoints \[72\.5 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(60\.0\) \(minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition\)\.$/);
    const data = JSON.parse(hot.StateReasonData!);
    assert.deepEqual([data.statistic, data.period, data.threshold, data.evaluatedDatapoints[0].value], ["Maximum", 10, 60, 72.5]);

    // A composite alarm (SDK in awsQuery) over it is ALARM at once.
    const query = client(berth, { protocol: AwsQueryProtocol });
    await berth.aws("cloudwatch", "put-composite-alarm", "--alarm-name", "any-hot", "--alarm-rule", 'ALARM("hot") OR FALSE');
    await waitForState(query, "any-hot", "ALARM", ["CompositeAlarm"]);
    await assert.rejects(berth.aws("cloudwatch", "put-composite-alarm", "--alarm-name", "bad", "--alarm-rule", "ALARM(ghost)"), /alarms \[ghost\] in the alarm rule do not exist/);
    await assert.rejects(berth.aws("cloudwatch", "delete-alarms", "--alarm-names", "hot"), /composite alarm any-hot depends on it/);

    // SetAlarmState: the composite follows; the next evaluation puts the metric alarm back.
    await cw.send(new SetAlarmStateCommand({ AlarmName: "hot", StateValue: "OK", StateReason: "testing", StateReasonData: '{"by":"test"}' }));
    const composite = await waitForState(query, "any-hot", "OK", ["CompositeAlarm"]);
    assert.match(composite.StateReason!, /alarm:hot transitioned to OK/);
    await publish(cw, "Temp", 80);
    await waitForState(cw, "hot", "ALARM");

    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: "hot", ScanBy: "TimestampAscending" }));
    const summaries = history.AlarmHistoryItems!.map((h) => h.HistorySummary);
    assert.deepEqual(summaries.slice(0, 4), ['Alarm "hot" created', "Alarm updated from INSUFFICIENT_DATA to ALARM", "Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM"]);
    const setByHand = JSON.parse(history.AlarmHistoryItems![2]!.HistoryData!);
    assert.deepEqual([setByHand.oldState.stateValue, setByHand.newState.stateValue, setByHand.newState.stateReason], ["ALARM", "OK", "testing"]);
    const tags = await berth.aws("cloudwatch", "list-tags-for-resource", "--resource-arn", hot.AlarmArn!);
    assert.deepEqual(tags.Tags, [{ Key: "team", Value: "ops" }]);

    // The state and the history survive a restart.
    await berth.stop();
    berth = await BerthProcess.start({ dataDir });
    const after = client(berth);
    const again = (await after.send(new DescribeAlarmsCommand({ AlarmTypes: ["MetricAlarm", "CompositeAlarm"] })));
    assert.deepEqual([again.MetricAlarms![0]!.StateValue, again.CompositeAlarms![0]!.AlarmRule], ["ALARM", 'ALARM("hot") OR FALSE']);
    const kept = await after.send(new DescribeAlarmHistoryCommand({ AlarmName: "hot" }));
    assert.ok(kept.AlarmHistoryItems!.length >= 4);

    await berth.aws("cloudwatch", "delete-alarms", "--alarm-names", "hot", "any-hot");
    assert.deepEqual((await berth.aws("cloudwatch", "describe-alarms", "--alarm-types", "MetricAlarm", "CompositeAlarm")), { MetricAlarms: [], CompositeAlarms: [] });
  } finally {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("metricPeriodScale 10: a 60-second alarm over standard-resolution data evaluates in 6-second periods; the API keeps AWS's values", async () => {
  const berth = await BerthProcess.start({ args: ["--metric-period-scale", "10"] });
  try {
    const cw = client(berth);
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: "cpu", Namespace: "Berth/Scaled", MetricName: "CPU", Statistic: "Average", Period: 60, EvaluationPeriods: 2,
      Threshold: 50, ComparisonOperator: "GreaterThanThreshold",
    }));
    // Standard resolution (no StorageResolution), a point a second, kept going while the alarm evaluates.
    let sending = true;
    const sender = (async () => {
      while (sending) {
        await cw.send(new PutMetricDataCommand({ Namespace: "Berth/Scaled", MetricData: [{ MetricName: "CPU", Value: 90 }] }));
        await sleep(1000);
      }
    })();
    const alarm = await waitForState(cw, "cpu", "ALARM").finally(async () => {
      sending = false;
      await sender;
    });
    const data = JSON.parse(alarm.StateReasonData!);
    assert.equal((alarm as MetricAlarm).Period, 60, "DescribeAlarms shows the period as put");
    assert.equal(data.period, 60);
    assert.equal(data.evaluatedDatapoints.length, 2);
    for (const d of data.evaluatedDatapoints) assert.equal(d.value, 90);
    // The evaluated datapoints are 6 s apart: the period shortened tenfold.
    const [a, b] = data.evaluatedDatapoints.map((d: { timestamp: string }) => Date.parse(d.timestamp));
    assert.equal(Math.abs(a - b), 6000);
    // The API still refuses what AWS refuses.
    await assert.rejects(berth.aws("cloudwatch", "get-metric-statistics", "--namespace", "Berth/Scaled", "--metric-name", "CPU", "--statistics", "Average",
      "--period", "6", "--start-time", new Date(Date.now() - 600_000).toISOString(), "--end-time", new Date().toISOString()), /InvalidParameterValue/);
  } finally {
    await berth.dispose();
  }
});
