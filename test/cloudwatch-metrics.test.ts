import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import {
  CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand, GetMetricDataCommand, type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { BerthProcess } from "./harness.js";

/**
 * CloudWatch metrics through the real clients: SDK v3 in each of CloudWatch's three protocols
 * (its default awsJson1_0, smithy-rpc-v2-cbor, awsQuery), Debian's AWS CLI (query) and boto3.
 * Every protocol writes and reads its own namespace on the same server.
 */

const protocols = [
  { label: "awsJson1_0", options: {} },
  { label: "smithy-rpc-v2-cbor", options: { protocol: AwsSmithyRpcV2CborProtocol } },
  { label: "awsQuery", options: { protocol: AwsQueryProtocol } },
];

let berth: BerthProcess;
before(async () => {
  berth = await BerthProcess.start();
});
after(async () => {
  await berth?.dispose();
});

const client = (options: Record<string, unknown>, accessKeyId = "test") =>
  new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId, secretAccessKey: "test" }, maxAttempts: 1, ...options });

/** The start of the current minute, minus `minutes` (AWS periods of 60 s align to the minute). */
const minuteAgo = (minutes: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutes * 60_000);

async function rejects(promise: Promise<unknown>, name: string, message?: RegExp) {
  await assert.rejects(promise, (err: Error & { Code?: string }) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

for (const { label, options } of protocols) {
  describe(`CloudWatch metrics (${label})`, () => {
    const ns = `Berth/Test/${label}`;
    const dims = [{ Name: "Service", Value: "web" }, { Name: "Cluster", Value: "dev" }];

    test("PutMetricData values, values with counts and statistic sets read back through GetMetricStatistics", async () => {
      const cw = client(options);
      const t0 = minuteAgo(10);
      const at = (s: number) => new Date(t0.getTime() + s * 1000);
      await cw.send(new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: "Latency", Dimensions: dims, Timestamp: at(0), Value: 10, Unit: "Milliseconds" },
          { MetricName: "Latency", Dimensions: dims, Timestamp: at(10), Value: 30, Unit: "Milliseconds" },
          { MetricName: "Latency", Dimensions: dims, Timestamp: at(20), Values: [1, 2, 100], Counts: [1, 2, 1], Unit: "Milliseconds" },
          { MetricName: "Latency", Dimensions: dims, Timestamp: at(70), StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 }, Unit: "Milliseconds" },
        ],
      }));
      // Dimensions in another order name the same metric.
      const { Datapoints, Label } = await cw.send(new GetMetricStatisticsCommand({
        Namespace: ns, MetricName: "Latency", Dimensions: [...dims].reverse(), StartTime: t0, EndTime: at(120), Period: 60,
        Statistics: ["SampleCount", "Average", "Sum", "Minimum", "Maximum"], ExtendedStatistics: ["p50", "p100"],
      }));
      assert.equal(Label, "Latency");
      assert.deepEqual(Datapoints!.map((d) => ({ ...d, Timestamp: d.Timestamp!.getTime() })), [
        { Timestamp: t0.getTime(), SampleCount: 6, Sum: 145, Average: 145 / 6, Minimum: 1, Maximum: 100, Unit: "Milliseconds", ExtendedStatistics: { p50: 2, p100: 100 } },
        // A statistic set with spread values has no percentiles (as on AWS).
        { Timestamp: at(60).getTime(), SampleCount: 4, Sum: 40, Average: 10, Minimum: 5, Maximum: 15, Unit: "Milliseconds", ExtendedStatistics: {} },
      ]);
      // A unit filter that matches nothing returns nothing; the right one returns everything.
      const none = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Latency", Dimensions: dims, StartTime: t0, EndTime: at(120), Period: 120, Statistics: ["Sum"], Unit: "Seconds" }));
      assert.deepEqual(none.Datapoints, []);
      const both = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Latency", Dimensions: dims, StartTime: t0, EndTime: at(120), Period: 120, Statistics: ["Sum"], Unit: "Milliseconds" }));
      assert.deepEqual(both.Datapoints!.map((d) => d.Sum), [185]);
      // Fewer dimensions are another metric.
      const other = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Latency", Dimensions: dims.slice(0, 1), StartTime: t0, EndTime: at(120), Period: 60, Statistics: ["Sum"] }));
      assert.deepEqual(other.Datapoints, []);
      cw.destroy();
    });

    test("high-resolution data serves periods under a minute", async () => {
      const cw = client(options);
      const t0 = minuteAgo(5);
      const data: MetricDatum[] = [0, 1, 2, 10, 11, 25].map((s) => ({ MetricName: "Hits", Timestamp: new Date(t0.getTime() + s * 1000), Value: s, StorageResolution: 1 }));
      await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
      const { Datapoints } = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Hits", StartTime: t0, EndTime: new Date(t0.getTime() + 30_000), Period: 10, Statistics: ["Sum", "SampleCount"] }));
      assert.deepEqual(Datapoints!.map((d) => [d.Timestamp!.getTime() - t0.getTime(), d.Sum, d.SampleCount]), [[0, 3, 3], [10_000, 21, 2], [20_000, 25, 1]]);
      cw.destroy();
    });

    test("bad input gets CloudWatch's errors and stores nothing", async () => {
      const cw = client(options);
      const now = new Date();
      const bad: Array<[MetricDatum[], string, RegExp]> = [
        [[{ MetricName: "Bad", Value: 1, Values: [1] }], "InvalidParameterCombinationException", /MetricData.member.2.Value and MetricData.member.2.Values are mutually exclusive/],
        [[{ MetricName: "Bad", Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }], "InvalidParameterCombinationException", /mutually exclusive/],
        [[{ MetricName: "Bad", Values: [1, 2], Counts: [1] }], "InvalidParameterValueException", /must be of the same size/],
        [[{ MetricName: "Bad", Value: 1, Timestamp: new Date(now.getTime() - 15 * 86400_000) }], "InvalidParameterValueException", /Timestamp must specify a time within the past two weeks/],
        [[{ MetricName: "Bad", Value: 1, Timestamp: new Date(now.getTime() + 3 * 3600_000) }], "InvalidParameterValueException", /two hours in the future/],
        [[{ MetricName: "Bad", Value: 1, StorageResolution: 5 }], "InvalidParameterValueException", /StorageResolution/],
        [[{ MetricName: "Bad", Value: 2 ** 361 }], "InvalidParameterValueException", /is invalid/],
        [[{ MetricName: "Bad" }], "MissingRequiredParameterException", /MetricData.member.2.Value is required/],
        [[{ MetricName: "Bad", Value: 1, Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: "v" })) }], "InvalidParameterValueException", /Dimensions/],
      ];
      for (const [MetricData, name, message] of bad) {
        // A good datum first: the call is refused whole.
        await rejects(cw.send(new PutMetricDataCommand({ Namespace: `${ns}/bad`, MetricData: [{ MetricName: "Good", Value: 1 }, ...MetricData] })), name, message);
      }
      await rejects(cw.send(new PutMetricDataCommand({ Namespace: "AWS/ECS", MetricData: [{ MetricName: "CPUUtilization", Value: 1 }] })), "InvalidParameterValueException", /AWS\/ECS for parameter Namespace/);
      const { Metrics } = await cw.send(new ListMetricsCommand({ Namespace: `${ns}/bad` }));
      assert.deepEqual(Metrics, []);
      const t0 = minuteAgo(10);
      const stats = { Namespace: ns, MetricName: "Latency", StartTime: t0, EndTime: new Date(t0.getTime() + 600_000) };
      await rejects(cw.send(new GetMetricStatisticsCommand({ ...stats, Period: 60 })), "InvalidParameterCombinationException", /Statistics and ExtendedStatistics/);
      await rejects(cw.send(new GetMetricStatisticsCommand({ ...stats, Period: 90, Statistics: ["Sum"] })), "InvalidParameterValueException", /Period must be a multiple of 60/);
      await rejects(cw.send(new GetMetricStatisticsCommand({ ...stats, Period: 60, ExtendedStatistics: ["p101"] })), "InvalidParameterValueException", /p101/);
      await rejects(cw.send(new GetMetricStatisticsCommand({ ...stats, EndTime: t0, Period: 60, Statistics: ["Sum"] })), "InvalidParameterValueException", /StartTime must be less than/);
      await rejects(cw.send(new GetMetricStatisticsCommand({ ...stats, StartTime: new Date(t0.getTime() - 86400_000), Period: 60, Statistics: ["Sum"] })),
        "InvalidParameterCombinationException", /You have requested up to 1,450 datapoints, which exceeds the limit of 1,440/);
      cw.destroy();
    });

    test("GetMetricData: metric stats, math, labels, ScanBy, MaxDatapoints and NextToken", async () => {
      const cw = client(options);
      const gns = `${ns}/data`;
      const t0 = minuteAgo(6);
      const at = (m: number) => new Date(t0.getTime() + m * 60_000);
      await cw.send(new PutMetricDataCommand({ Namespace: gns, MetricData: [
        ...[10, 40, 20, 16].map((v, m) => ({ MetricName: "Requests", Timestamp: at(m), Value: v, Unit: "Count" as const })),
        ...[1, 2, 4].map((v, i) => ({ MetricName: "Errors", Timestamp: at([0, 1, 3][i]!), Value: v, Unit: "Count" as const })),
      ] }));
      const metric = (name: string) => ({ Metric: { Namespace: gns, MetricName: name }, Period: 60, Stat: "Sum" });
      const queries = [
        { Id: "errors", MetricStat: metric("Errors"), ReturnData: false },
        { Id: "requests", MetricStat: metric("Requests"), Label: "req ${MAX}" },
        { Id: "rate", Expression: "100 * errors / requests", Label: "Error rate" },
      ];
      const full = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: t0, EndTime: at(5), ScanBy: "TimestampAscending" }));
      const view = (r: { Id?: string; Label?: string; Timestamps?: Date[]; Values?: number[]; StatusCode?: string }) =>
        ({ Id: r.Id, Label: r.Label, StatusCode: r.StatusCode, points: r.Timestamps!.map((t, i) => [(t.getTime() - t0.getTime()) / 60_000, r.Values![i]]) });
      assert.deepEqual(full.MetricDataResults!.map(view), [
        { Id: "requests", Label: "req 40", StatusCode: "Complete", points: [[0, 10], [1, 40], [2, 20], [3, 16]] },
        { Id: "rate", Label: "Error rate", StatusCode: "Complete", points: [[0, 10], [1, 5], [3, 25]] },
      ]);
      assert.equal(full.NextToken, undefined);
      // Newest first by default; pages of 3 values across results.
      const first = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: t0, EndTime: at(5), MaxDatapoints: 3 }));
      assert.deepEqual(first.MetricDataResults!.map(view), [{ Id: "requests", Label: "req 40", StatusCode: "PartialData", points: [[3, 16], [2, 20], [1, 40]] }]);
      const second = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: t0, EndTime: at(5), MaxDatapoints: 3, NextToken: first.NextToken }));
      assert.deepEqual(second.MetricDataResults!.map(view), [
        { Id: "requests", Label: "req 40", StatusCode: "Complete", points: [[0, 10]] },
        { Id: "rate", Label: "Error rate", StatusCode: "PartialData", points: [[3, 25], [1, 5]] },
      ]);
      const third = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: t0, EndTime: at(5), MaxDatapoints: 3, NextToken: second.NextToken }));
      assert.deepEqual(third.MetricDataResults!.map(view), [{ Id: "rate", Label: "Error rate", StatusCode: "Complete", points: [[0, 10]] }]);
      assert.equal(third.NextToken, undefined);
      // Bad input: an unknown function, a bad id, a bad period, a bad token.
      const range = { StartTime: t0, EndTime: at(5) };
      await assert.rejects(cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [{ Id: "e", Expression: "NOPE(1)" }] })),
        (err: Error & { Code?: string }) => {
          // CloudWatch's query code; the JSON and CBOR clients name the unmodelled error ValidationException.
          assert.match(`${err.name} ${err.Code}`, /ValidationError/, `${err.name} ${err.Code}`);
          return /Error in expression e: Unknown function NOPE/.test(err.message);
        });
      await rejects(cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [{ Id: "Bad", MetricStat: metric("Errors") }] })), "InvalidParameterValueException", /Id/);
      await rejects(cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [{ Id: "m", MetricStat: { ...metric("Errors"), Period: 45 } }] })), "InvalidParameterValueException", /Period/);
      await rejects(cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: queries, NextToken: "nope" })), "InvalidNextToken");
      cw.destroy();
    });

    test("ListMetrics filters by namespace, name and dimensions (with or without a value)", async () => {
      const cw = client(options);
      const lns = `${ns}/list`;
      await cw.send(new PutMetricDataCommand({ Namespace: lns, MetricData: [
        { MetricName: "A", Dimensions: [{ Name: "X", Value: "1" }], Value: 1 },
        { MetricName: "A", Dimensions: [{ Name: "X", Value: "2" }], Value: 1 },
        { MetricName: "B", Dimensions: [{ Name: "X", Value: "1" }, { Name: "Y", Value: "y" }], Value: 1 },
        { MetricName: "B", Value: 1 },
      ] }));
      const names = async (input: Record<string, unknown>) =>
        ((await cw.send(new ListMetricsCommand({ Namespace: lns, ...input }))).Metrics ?? []).map((m) => `${m.MetricName}:${(m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(",")}`).sort();
      assert.deepEqual(await names({}), ["A:X=1", "A:X=2", "B:", "B:X=1,Y=y"]);
      assert.deepEqual(await names({ MetricName: "A" }), ["A:X=1", "A:X=2"]);
      assert.deepEqual(await names({ Dimensions: [{ Name: "X", Value: "1" }] }), ["A:X=1", "B:X=1,Y=y"]);
      assert.deepEqual(await names({ Dimensions: [{ Name: "Y" }] }), ["B:X=1,Y=y"]);
      assert.deepEqual(await names({ RecentlyActive: "PT3H", MetricName: "B" }), ["B:", "B:X=1,Y=y"]);
      cw.destroy();
    });
  });
}

test("ListMetrics pages by 500 and accounts do not see each other's metrics", async () => {
  const cw = client({}, "444455556666");
  const ns = "Berth/Test/paging";
  for (let batch = 0; batch < 2; batch++) {
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: Array.from({ length: 300 }, (_, i) => ({ MetricName: `M${batch * 300 + i}`, Value: i })) }));
  }
  const first = await cw.send(new ListMetricsCommand({ Namespace: ns }));
  assert.equal(first.Metrics!.length, 500);
  assert.ok(first.NextToken);
  const second = await cw.send(new ListMetricsCommand({ Namespace: ns, NextToken: first.NextToken }));
  assert.equal(second.Metrics!.length, 100);
  assert.equal(second.NextToken, undefined);
  const seen = new Set([...first.Metrics!, ...second.Metrics!].map((m) => m.MetricName));
  assert.equal(seen.size, 600);
  await rejects(cw.send(new ListMetricsCommand({ NextToken: "garbage" })), "InvalidParameterValueException");
  const other = client({});
  assert.deepEqual((await other.send(new ListMetricsCommand({ Namespace: ns }))).Metrics, []);
  cw.destroy();
  other.destroy();
});

