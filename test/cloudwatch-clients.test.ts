import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchClient, GetMetricStatisticsCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { BerthProcess } from "./harness.js";

/**
 * CloudWatch metrics from Debian's AWS CLI (query protocol) and boto3, and the store's
 * durability: an acknowledged PutMetricData survives kill -9.
 */

const run = promisify(execFile);
const minute = () => new Date(Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000);

test("the AWS CLI puts and reads metrics; its bad input gets CloudWatch's errors", async () => {
  const berth = await BerthProcess.start();
  try {
    const t0 = minute();
    const iso = (s: number) => new Date(t0.getTime() + s * 1000).toISOString();
    await berth.aws("cloudwatch", "put-metric-data", "--namespace", "Berth/Cli", "--metric-name", "QueueDepth",
      "--dimensions", "Queue=jobs", "--value", "7", "--unit", "Count", "--timestamp", iso(0));
    await berth.aws("cloudwatch", "put-metric-data", "--namespace", "Berth/Cli", "--metric-data",
      JSON.stringify([{ MetricName: "QueueDepth", Dimensions: [{ Name: "Queue", Value: "jobs" }], Values: [3, 5], Counts: [1, 2], Unit: "Count", Timestamp: iso(20) }]));
    const stats = await berth.aws("cloudwatch", "get-metric-statistics", "--namespace", "Berth/Cli", "--metric-name", "QueueDepth",
      "--dimensions", "Name=Queue,Value=jobs", "--start-time", iso(0), "--end-time", iso(60), "--period", "60",
      "--statistics", "Sum", "Maximum", "SampleCount", "--extended-statistics", "p50");
    assert.equal(stats.Label, "QueueDepth");
    assert.equal(stats.Datapoints.length, 1);
    assert.deepEqual({ ...stats.Datapoints[0], Timestamp: undefined }, { Timestamp: undefined, Sum: 20, Maximum: 7, SampleCount: 4, Unit: "Count", ExtendedStatistics: { p50: 5 } });
    const listed = await berth.aws("cloudwatch", "list-metrics", "--namespace", "Berth/Cli");
    assert.deepEqual(listed.Metrics, [{ Namespace: "Berth/Cli", MetricName: "QueueDepth", Dimensions: [{ Name: "Queue", Value: "jobs" }] }]);
    const data = await berth.aws("cloudwatch", "get-metric-data", "--start-time", iso(0), "--end-time", iso(60), "--metric-data-queries",
      JSON.stringify([{ Id: "q", MetricStat: { Metric: { Namespace: "Berth/Cli", MetricName: "QueueDepth", Dimensions: [{ Name: "Queue", Value: "jobs" }] }, Period: 60, Stat: "Average" } },
        { Id: "double", Expression: "q * 2" }]));
    assert.deepEqual(data.MetricDataResults.map((r: { Id: string; Values: number[] }) => [r.Id, r.Values]), [["q", [5]], ["double", [10]]]);
    await assert.rejects(berth.aws("cloudwatch", "get-metric-statistics", "--namespace", "Berth/Cli", "--metric-name", "QueueDepth",
      "--start-time", iso(0), "--end-time", iso(60), "--period", "45", "--statistics", "Sum"), /InvalidParameterValue.*Period must be a multiple of 60/s);
    await assert.rejects(berth.aws("cloudwatch", "put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "X", "--value", "1"), /InvalidParameterValue/);
  } finally {
    await berth.dispose();
  }
});

test("boto3 puts and reads metrics", async () => {
  const berth = await BerthProcess.start();
  try {
    const script = `
import boto3, datetime, json, sys
cw = boto3.client("cloudwatch", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
t0 = datetime.datetime.fromtimestamp(int(sys.argv[2]), datetime.timezone.utc)
cw.put_metric_data(Namespace="Berth/Boto", MetricData=[{"MetricName": "Jobs", "Value": v, "Timestamp": t0 + datetime.timedelta(seconds=i), "StorageResolution": 1} for i, v in enumerate([1, 2, 3])])
out = cw.get_metric_statistics(Namespace="Berth/Boto", MetricName="Jobs", StartTime=t0, EndTime=t0 + datetime.timedelta(seconds=60), Period=1, Statistics=["Sum"])
try:
    cw.put_metric_data(Namespace="Berth/Boto", MetricData=[{"MetricName": "Jobs", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}])
    err = None
except cw.exceptions.InvalidParameterCombinationException as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"sums": sorted(d["Sum"] for d in out["Datapoints"]), "error": err}))
`;
    const { stdout } = await run("python3", ["-c", script, berth.endpoint, String(minute().getTime() / 1000)]);
    assert.deepEqual(JSON.parse(stdout), { sums: [1, 2, 3], error: "InvalidParameterCombination" });
  } finally {
    await berth.dispose();
  }
});

test("an acknowledged PutMetricData survives kill -9", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-cw-restart-"));
  let berth = await BerthProcess.start({ dataDir });
  const client = () => new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  try {
    const t0 = minute();
    let cw = client();
    for (let i = 0; i < 10; i++) {
      await cw.send(new PutMetricDataCommand({ Namespace: "Berth/Durable", MetricData: [{ MetricName: "Acked", Value: i, Timestamp: new Date(t0.getTime() + i * 1000) }] }));
    }
    cw.destroy();
    await berth.kill9();
    berth = await BerthProcess.start({ dataDir });
    cw = client();
    const { Datapoints } = await cw.send(new GetMetricStatisticsCommand({ Namespace: "Berth/Durable", MetricName: "Acked", StartTime: t0, EndTime: new Date(t0.getTime() + 60_000), Period: 60, Statistics: ["Sum", "SampleCount"] }));
    assert.deepEqual(Datapoints!.map((d) => [d.Sum, d.SampleCount]), [[45, 10]]);
    // Written after the restart, into the same bucket.
    await cw.send(new PutMetricDataCommand({ Namespace: "Berth/Durable", MetricData: [{ MetricName: "Acked", Value: 5, Timestamp: new Date(t0.getTime() + 30_000) }] }));
    const again = await cw.send(new GetMetricStatisticsCommand({ Namespace: "Berth/Durable", MetricName: "Acked", StartTime: t0, EndTime: new Date(t0.getTime() + 60_000), Period: 60, Statistics: ["Sum", "SampleCount"] }));
    assert.deepEqual(again.Datapoints!.map((d) => [d.Sum, d.SampleCount]), [[50, 11]]);
    cw.destroy();
  } finally {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
