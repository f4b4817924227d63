import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CloudWatchClient, DeleteAnomalyDetectorCommand, DescribeAlarmsCommand, DescribeAnomalyDetectorsCommand, GetMetricDataCommand, type MetricDataResult,
  PutAnomalyDetectorCommand, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { BerthProcess } from "./harness.js";

/**
 * CloudWatch anomaly detection end to end: detectors through SDK v3 and the AWS CLI, the
 * ANOMALY_DETECTION_BAND of a metric published with a pattern, and an alarm on the band that goes
 * to ALARM on a spike and back to OK after it (with metricPeriodScale, as the other alarm tests).
 */

const client = (berth: BerthProcess) =>
  new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

const MINUTE = 60_000;
const metric = { Namespace: "Berth/Anomaly", MetricName: "Latency", Dimensions: [{ Name: "Service", Value: "web" }] };
/** The pattern: a 10-minute wave between 45 and 55 around 50. */
const wave = (t: number) => 50 + 5 * Math.sin((2 * Math.PI * t) / (10 * MINUTE));

test("anomaly detectors: put, describe, delete with AWS's shapes and errors; GetMetricData returns the band of a patterned history", async () => {
  const berth = await BerthProcess.start();
  try {
    const cw = client(berth);
    const excluded = { StartTime: new Date("2026-01-01T00:00:00Z"), EndTime: new Date("2026-01-01T06:00:00Z") };
    await cw.send(new PutAnomalyDetectorCommand({
      SingleMetricAnomalyDetector: { ...metric, Stat: "Average" },
      Configuration: { ExcludedTimeRanges: [excluded], MetricTimezone: "Europe/Berlin" },
    }));
    // The AWS CLI (awsQuery) puts a metric math detector.
    await berth.aws("cloudwatch", "put-anomaly-detector", "--metric-math-anomaly-detector", JSON.stringify({
      MetricDataQueries: [
        { Id: "m1", MetricStat: { Metric: metric, Period: 60, Stat: "Sum" }, ReturnData: false },
        { Id: "e1", Expression: "m1 * 2", ReturnData: true },
      ],
    }));
    let described = await cw.send(new DescribeAnomalyDetectorsCommand({}));
    assert.equal(described.AnomalyDetectors?.length, 2);
    const [single, math] = described.AnomalyDetectors!;
    assert.deepEqual(single!.SingleMetricAnomalyDetector, { ...metric, Stat: "Average" });
    assert.equal(single!.MetricName, "Latency", "the deprecated top-level members are filled too");
    assert.equal(single!.Configuration?.MetricTimezone, "Europe/Berlin");
    assert.deepEqual(single!.Configuration?.ExcludedTimeRanges, [excluded]);
    assert.equal(single!.StateValue, "PENDING_TRAINING", "no history yet");
    assert.deepEqual(math!.MetricMathAnomalyDetector?.MetricDataQueries?.map((q) => [q.Id, q.Expression, q.ReturnData]), [["m1", undefined, false], ["e1", "m1 * 2", true]]);
    const cliList = await berth.aws("cloudwatch", "describe-anomaly-detectors", "--anomaly-detector-types", "METRIC_MATH");
    assert.deepEqual(cliList.AnomalyDetectors.map((d: { MetricMathAnomalyDetector?: unknown }) => d.MetricMathAnomalyDetector !== undefined), [true]);
    const cliSingle = (await berth.aws("cloudwatch", "describe-anomaly-detectors", "--namespace", "Berth/Anomaly", "--metric-name", "Latency")).AnomalyDetectors;
    assert.deepEqual(cliSingle.map((d: { Configuration: unknown }) => d.Configuration), [{ MetricTimezone: "Europe/Berlin", ExcludedTimeRanges: [{ StartTime: "2026-01-01T00:00:00+00:00", EndTime: "2026-01-01T06:00:00+00:00" }] }]);
    const byNamespace = await cw.send(new DescribeAnomalyDetectorsCommand({ Namespace: "Berth/Anomaly", Dimensions: [{ Name: "Service", Value: "web" }] }));
    assert.equal(byNamespace.AnomalyDetectors?.length, 1);
    assert.equal((await cw.send(new DescribeAnomalyDetectorsCommand({ Namespace: "Other" }))).AnomalyDetectors?.length, 0);
    const paged = await cw.send(new DescribeAnomalyDetectorsCommand({ MaxResults: 1 }));
    assert.equal(paged.AnomalyDetectors?.length, 1);
    assert.equal((await cw.send(new DescribeAnomalyDetectorsCommand({ MaxResults: 1, NextToken: paged.NextToken }))).AnomalyDetectors?.[0]?.MetricMathAnomalyDetector !== undefined, true);

    // Bad input: AWS's errors, and nothing changes.
    await assert.rejects(cw.send(new PutAnomalyDetectorCommand({
      SingleMetricAnomalyDetector: { ...metric, Stat: "Average" },
      MetricMathAnomalyDetector: { MetricDataQueries: [{ Id: "e1", Expression: "1" }] },
    })), { name: "InvalidParameterCombinationException" });
    await assert.rejects(cw.send(new PutAnomalyDetectorCommand({ SingleMetricAnomalyDetector: { ...metric } })), { name: "MissingRequiredParameterException" });
    await assert.rejects(cw.send(new PutAnomalyDetectorCommand({ SingleMetricAnomalyDetector: { ...metric, Stat: "Average" }, Configuration: { MetricTimezone: "Mars/Olympus" } })), { name: "InvalidParameterValueException" });
    await assert.rejects(cw.send(new PutAnomalyDetectorCommand({
      SingleMetricAnomalyDetector: { ...metric, Stat: "Maximum" }, Configuration: { ExcludedTimeRanges: [{ StartTime: excluded.EndTime, EndTime: excluded.StartTime }] },
    })), { name: "InvalidParameterValueException" });
    await assert.rejects(berth.aws("cloudwatch", "delete-anomaly-detector", "--single-metric-anomaly-detector", JSON.stringify({ ...metric, Stat: "p99" })), /ResourceNotFound/);
    assert.equal((await cw.send(new DescribeAnomalyDetectorsCommand({}))).AnomalyDetectors?.length, 2);

    // Three hours of one-minute history with the wave.
    const end = Math.floor(Date.now() / MINUTE) * MINUTE;
    const history = Array.from({ length: 180 }, (_, i) => end - (180 - i) * MINUTE);
    // In calls of 30 datapoints: SDK v3 gzips PutMetricData bodies over 10 KB, which Berth's protocol layer does not read yet.
    for (let i = 0; i < history.length; i += 30) {
      await cw.send(new PutMetricDataCommand({
        Namespace: metric.Namespace,
        MetricData: history.slice(i, i + 30).map((t) => ({ MetricName: metric.MetricName, Dimensions: metric.Dimensions, Timestamp: new Date(t), Value: wave(t) })),
      }));
    }
    const band = async () => {
      const out = await cw.send(new GetMetricDataCommand({
        StartTime: new Date(end - 60 * MINUTE), EndTime: new Date(end), ScanBy: "TimestampAscending",
        MetricDataQueries: [
          { Id: "m1", MetricStat: { Metric: metric, Period: 60, Stat: "Average" } },
          { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)" },
        ],
      }));
      const results = out.MetricDataResults!;
      assert.deepEqual(results.map((r) => r.Id), ["m1", "ad1", "ad1"]);
      return { m1: results[0]!, upper: results[1]!, lower: results[2]! };
    };
    const at = (r: MetricDataResult, t: number) => r.Values![r.Timestamps!.findIndex((x) => x.getTime() === t)];
    let b = await band();
    assert.equal(b.m1.Values?.length, 60);
    assert.deepEqual(b.upper.Timestamps, b.m1.Timestamps, "a band value at every period of the range");
    assert.deepEqual(b.lower.Timestamps, b.m1.Timestamps);
    assert.match(b.upper.Label!, /upper/);
    assert.match(b.lower.Label!, /lower/);
    b.m1.Timestamps!.forEach((t, i) => {
      const [v, lo, hi] = [b.m1.Values![i]!, at(b.lower, t.getTime())!, at(b.upper, t.getTime())!];
      assert.ok(lo < v && v < hi, `${v} inside [${lo}, ${hi}] at ${t.toISOString()}`);
      // A band around the pattern's level, not everything: far narrower than 45..55 +- 20.
      assert.ok(lo > 30 && hi < 70);
    });
    // A spike in the last minute lands outside its band.
    const spikeAt = end - MINUTE;
    await cw.send(new PutMetricDataCommand({ Namespace: metric.Namespace, MetricData: [{ MetricName: metric.MetricName, Dimensions: metric.Dimensions, Timestamp: new Date(spikeAt + 30_000), Value: 2000 }] }));
    b = await band();
    const spiked = at(b.m1, spikeAt)!;
    assert.ok(spiked > at(b.upper, spikeAt)!, `the spike ${spiked} is above the band ${at(b.upper, spikeAt)}`);

    // The AWS CLI reads the band too; the detector is now trained.
    const cli = await berth.aws("cloudwatch", "get-metric-data", "--start-time", new Date(end - 10 * MINUTE).toISOString(), "--end-time", new Date(end).toISOString(),
      "--metric-data-queries", JSON.stringify([{ Id: "m1", MetricStat: { Metric: metric, Period: 60, Stat: "Average" }, ReturnData: false }, { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1)" }]));
    assert.deepEqual(cli.MetricDataResults.map((r: { Id: string; Values: number[] }) => [r.Id, r.Values.length]), [["ad1", 10], ["ad1", 10]]);
    described = await cw.send(new DescribeAnomalyDetectorsCommand({ AnomalyDetectorTypes: ["SINGLE_METRIC"] }));
    assert.equal(described.AnomalyDetectors?.[0]?.StateValue, "TRAINED");
    await assert.rejects(cw.send(new GetMetricDataCommand({
      StartTime: new Date(end - 10 * MINUTE), EndTime: new Date(end),
      MetricDataQueries: [{ Id: "m1", MetricStat: { Metric: metric, Period: 60, Stat: "Average" }, ReturnData: false }, { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1) + 1" }],
    })), /ANOMALY_DETECTION_BAND/);

    // The detector's ExcludedTimeRanges are not trained on: excluding the whole history leaves no band.
    await cw.send(new PutAnomalyDetectorCommand({
      SingleMetricAnomalyDetector: { ...metric, Stat: "Average" }, Configuration: { ExcludedTimeRanges: [{ StartTime: new Date(end - 4 * 60 * MINUTE), EndTime: new Date(end) }] },
    }));
    b = await band();
    assert.equal(b.m1.Values?.length, 60);
    assert.deepEqual([b.upper.Values, b.lower.Values], [[], []]);
    assert.equal((await cw.send(new DescribeAnomalyDetectorsCommand({}))).AnomalyDetectors?.length, 2, "a second put replaces the configuration");

    await cw.send(new DeleteAnomalyDetectorCommand({ SingleMetricAnomalyDetector: { ...metric, Stat: "Average" } }));
    await berth.aws("cloudwatch", "delete-anomaly-detector", "--metric-math-anomaly-detector", JSON.stringify({
      MetricDataQueries: [{ Id: "m1", MetricStat: { Metric: metric, Period: 60, Stat: "Sum" }, ReturnData: false }, { Id: "e1", Expression: "m1 * 2", ReturnData: true }],
    }));
    assert.deepEqual((await cw.send(new DescribeAnomalyDetectorsCommand({}))).AnomalyDetectors, []);
    await assert.rejects(cw.send(new DeleteAnomalyDetectorCommand({ SingleMetricAnomalyDetector: { ...metric, Stat: "Average" } })), { name: "ResourceNotFoundException" });
  } finally {
    await berth.dispose();
  }
});

/** Waits (up to a generous deadline, never asserting on time) until the alarm reaches `state`. */
async function waitForState(cw: CloudWatchClient, name: string, state: string) {
  for (let i = 0; i < 240; i++) {
    const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
    if (alarm?.StateValue === state) return alarm;
    await sleep(250);
  }
  throw new Error(`alarm ${name} never reached ${state}`);
}

test("an alarm on an anomaly detection band: INSUFFICIENT_DATA while training, OK in the band, ALARM on a spike, OK after (metricPeriodScale 10)", async () => {
  const berth = await BerthProcess.start({ args: ["--metric-period-scale", "10"] });
  try {
    const cw = client(berth);
    const queue = { Namespace: "Berth/Anomaly", MetricName: "Depth" };
    const alarm = {
      AlarmName: "depth-anomaly", EvaluationPeriods: 1, ThresholdMetricId: "ad1", ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold" as const,
      Metrics: [
        { Id: "m1", MetricStat: { Metric: queue, Period: 60, Stat: "Average" }, ReturnData: true },
        { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)", ReturnData: true },
      ],
    };
    // Bad band alarms: AWS's errors.
    await assert.rejects(cw.send(new PutMetricAlarmCommand({ ...alarm, AlarmName: "x", Threshold: 5 })), { name: "InvalidParameterCombinationException" });
    await assert.rejects(cw.send(new PutMetricAlarmCommand({ ...alarm, AlarmName: "x", ThresholdMetricId: "nope" })), { name: "InvalidParameterValueException" });
    await assert.rejects(cw.send(new PutMetricAlarmCommand({ ...alarm, AlarmName: "x", ThresholdMetricId: undefined })), { name: "InvalidParameterCombinationException" });
    await assert.rejects(cw.send(new PutMetricAlarmCommand({ ...alarm, AlarmName: "x", Metrics: [alarm.Metrics[0]!, { Id: "ad1", Expression: "m1 * 2" }] })), { name: "InvalidParameterValueException" });
    assert.deepEqual((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms, []);

    await cw.send(new PutMetricAlarmCommand(alarm));
    const put = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["depth-anomaly"] }))).MetricAlarms![0]!;
    assert.equal(put.ThresholdMetricId, "ad1");
    assert.equal(put.Threshold, undefined);
    // The AWS CLI (awsQuery) shows the band alarm as put.
    const cliAlarm = (await berth.aws("cloudwatch", "describe-alarms", "--alarm-names", "depth-anomaly")).MetricAlarms[0];
    assert.equal(cliAlarm.ThresholdMetricId, "ad1");
    assert.deepEqual(cliAlarm.Metrics.map((m: { Id: string; Expression?: string; ReturnData: boolean }) => [m.Id, m.Expression, m.ReturnData]), [["m1", undefined, true], ["ad1", "ANOMALY_DETECTION_BAND(m1, 2)", true]]);
    // As on AWS, the alarm created the metric's detector.
    const detectors = (await cw.send(new DescribeAnomalyDetectorsCommand({ Namespace: "Berth/Anomaly", MetricName: "Depth" }))).AnomalyDetectors!;
    assert.deepEqual(detectors.map((d) => [d.SingleMetricAnomalyDetector?.Stat, d.StateValue]), [["Average", "PENDING_TRAINING"]]);

    // Data but no history: the model is training and the alarm stays INSUFFICIENT_DATA.
    let value = 20;
    let sending = true;
    const sender = (async () => {
      while (sending) {
        await cw.send(new PutMetricDataCommand({ Namespace: queue.Namespace, MetricData: [{ MetricName: queue.MetricName, Value: value, StorageResolution: 1 }] }));
        await sleep(250);
      }
    })();
    try {
      // Set to OK by hand, the next evaluation (data, but no band yet) takes it back to INSUFFICIENT_DATA.
      await cw.send(new SetAlarmStateCommand({ AlarmName: "depth-anomaly", StateValue: "OK", StateReason: "by hand" }));
      let state = await waitForState(cw, "depth-anomaly", "INSUFFICIENT_DATA");
      assert.match(state.StateReason!, /^Insufficient Data/);
      // Two minutes of history at the same level: 20 shortened periods, enough to train.
      const now = Date.now();
      for (let batch = 0; batch < 4; batch++) {
        await cw.send(new PutMetricDataCommand({
          Namespace: queue.Namespace,
          MetricData: Array.from({ length: 30 }, (_, i) => ({ MetricName: queue.MetricName, Value: 20, StorageResolution: 1, Timestamp: new Date(now - 4000 - (batch * 30 + i) * 1000) })),
        }));
      }
      await waitForState(cw, "depth-anomaly", "OK");
      value = 400;
      state = await waitForState(cw, "depth-anomaly", "ALARM");
      assert.match(state.StateReason!, /^Thresholds Crossed: 1 out of the last 1 datapoints \[[0-9.]+ \(.*\)\] was less than the lower thresholds \[[-0-9.]+\] or greater than the upper thresholds \[[-0-9.]+\]/);
      value = 20;
      await waitForState(cw, "depth-anomaly", "OK");
    } finally {
      sending = false;
      await sender;
    }
  } finally {
    await berth.dispose();
  }
});
