import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DeleteMetricFilterCommand, DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand, PutLogEventsCommand, PutMetricFilterCommand, TestMetricFilterCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { BerthProcess } from "./harness.js";

/**
 * CloudWatch Logs metric filters end to end: filters put with the SDK and the AWS CLI, events
 * ingested with PutLogEvents, the metrics read back with GetMetricStatistics and an alarm on them.
 * The server runs with metricPeriodScale 10 so a 60-second alarm evaluates in 6-second periods.
 */

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

test("metric filters: put, describe, test, delete; ingested events publish metrics; an alarm on them", async () => {
  const berth = await BerthProcess.start({ args: ["--metric-period-scale", "10"] });
  const logs = new CloudWatchLogsClient({ endpoint: berth.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  const cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/app" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "/app", logStreamName: "s" }));
    const errorsFilter = { metricName: "Errors", metricNamespace: "Berth/App", metricValue: "1" };

    // Bad input: AWS's errors, and nothing is stored.
    await rejects(logs.send(new PutMetricFilterCommand({ logGroupName: "/nope", filterName: "f", filterPattern: "ERROR", metricTransformations: [errorsFilter] })),
      "ResourceNotFoundException", "The specified log group does not exist.");
    await rejects(logs.send(new PutMetricFilterCommand({ logGroupName: "/app", filterName: "f", filterPattern: "{ $.a = ", metricTransformations: [errorsFilter] })),
      "InvalidParameterException", "Invalid filter pattern");
    await rejects(logs.send(new PutMetricFilterCommand({ logGroupName: "/app", filterName: "f", filterPattern: "ERROR", metricTransformations: [{ ...errorsFilter, metricValue: "$bytes" }] })),
      "InvalidParameterException", /metricValue/);
    await rejects(logs.send(new PutMetricFilterCommand({ logGroupName: "/app", filterName: "f", filterPattern: "ERROR", metricTransformations: [{ ...errorsFilter, metricValue: "lots" }] })),
      "InvalidParameterException", /metricValue/);
    await rejects(logs.send(new PutMetricFilterCommand({
      logGroupName: "/app", filterName: "f", filterPattern: "{ $.latency > 0 }", metricTransformations: [{ ...errorsFilter, defaultValue: 0, dimensions: { Path: "$.path" } }],
    })), "InvalidParameterException");
    await rejects(logs.send(new PutMetricFilterCommand({ logGroupName: "/app", filterName: "f", filterPattern: "ERROR", metricTransformations: [errorsFilter, errorsFilter] })),
      "InvalidParameterException");
    assert.deepEqual((await logs.send(new DescribeMetricFiltersCommand({}))).metricFilters, []);

    // Three filters: a term, a JSON pattern with a field value and a dimension, a space-delimited one.
    await logs.send(new PutMetricFilterCommand({ logGroupName: "/app", filterName: "errors", filterPattern: '"ERROR"', metricTransformations: [{ ...errorsFilter, metricValue: "2" }] }));
    // Putting the same name again replaces it.
    await logs.send(new PutMetricFilterCommand({ logGroupName: "/app", filterName: "errors", filterPattern: '"ERROR"', metricTransformations: [{ ...errorsFilter, unit: "Count" }] }));
    await logs.send(new PutMetricFilterCommand({
      logGroupName: "/app", filterName: "latency", filterPattern: "{ $.latency > 0 }",
      metricTransformations: [{ metricName: "Latency", metricNamespace: "Berth/App", metricValue: "$.latency", dimensions: { Path: "$.path" }, unit: "Milliseconds" }],
    }));
    await berth.aws("logs", "put-metric-filter", "--log-group-name", "/app", "--filter-name", "bytes", "--filter-pattern", "[ip, user, status, size]",
      "--metric-transformations", "metricName=Bytes,metricNamespace=Berth/App,metricValue=$size,dimensions={Status=$status}");

    const described = await berth.aws("logs", "describe-metric-filters", "--log-group-name", "/app");
    assert.deepEqual(described.metricFilters.map((f: { filterName: string }) => f.filterName), ["bytes", "errors", "latency"]);
    const errorsDescribed = described.metricFilters[1];
    assert.equal(errorsDescribed.logGroupName, "/app");
    assert.equal(errorsDescribed.filterPattern, '"ERROR"');
    assert.deepEqual(errorsDescribed.metricTransformations, [{ metricName: "Errors", metricNamespace: "Berth/App", metricValue: "1", unit: "Count" }]);
    assert.equal(typeof errorsDescribed.creationTime, "number");
    assert.deepEqual(described.metricFilters[0].metricTransformations[0].dimensions, { Status: "$status" });
    const byMetric = await logs.send(new DescribeMetricFiltersCommand({ metricName: "Latency", metricNamespace: "Berth/App" }));
    assert.deepEqual(byMetric.metricFilters!.map((f) => f.filterName), ["latency"]);
    const prefixed = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: "/app", filterNamePrefix: "er" }));
    assert.deepEqual(prefixed.metricFilters!.map((f) => f.filterName), ["errors"]);
    const page1 = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: "/app", limit: 2 }));
    const page2 = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: "/app", limit: 2, nextToken: page1.nextToken }));
    assert.deepEqual([...page1.metricFilters!, ...page2.metricFilters!].map((f) => f.filterName), ["bytes", "errors", "latency"]);
    assert.equal(page2.nextToken, undefined);
    await rejects(logs.send(new DescribeMetricFiltersCommand({ filterNamePrefix: "er" })), "InvalidParameterException");
    await rejects(logs.send(new DescribeMetricFiltersCommand({ metricName: "Latency" })), "InvalidParameterException");
    assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/app" }))).logGroups![0]!.metricFilterCount, 3);

    // TestMetricFilter: the matching messages, numbered from 1, with the fields they bind.
    const tested = await logs.send(new TestMetricFilterCommand({
      filterPattern: "[ip, user, status=4*, size]", logEventMessages: ["10.0.0.1 alice 200 512", "10.0.0.2 bob 404 12", "not enough"],
    }));
    assert.deepEqual(tested.matches, [{ eventNumber: 2, eventMessage: "10.0.0.2 bob 404 12", extractedValues: { $ip: "10.0.0.2", $user: "bob", $status: "404", $size: "12" } }]);
    const termTest = await berth.aws("logs", "test-metric-filter", "--filter-pattern", "ERROR", "--log-event-messages", "ERROR one", "INFO two", "ERROR three");
    assert.deepEqual(termTest.matches.map((m: { eventNumber: number }) => m.eventNumber), [1, 3]);

    // Ingest: 5 ERROR lines, JSON latencies on two paths, access lines with two statuses.
    const t = Date.now();
    const messages = [
      "ERROR disk full", "INFO ok", "ERROR timeout", "ERROR timeout", "INFO fine", "ERROR again", "ERROR last",
      JSON.stringify({ path: "/a", latency: 100 }), JSON.stringify({ path: "/a", latency: 300 }), JSON.stringify({ path: "/b", latency: 7 }),
      JSON.stringify({ path: "/c", latency: 0 }), JSON.stringify({ latency: 50 }),
      "10.0.0.1 alice 200 512", "10.0.0.2 bob 404 12", "10.0.0.3 carol 200 488",
    ];
    await logs.send(new PutLogEventsCommand({ logGroupName: "/app", logStreamName: "s", logEvents: messages.map((message) => ({ timestamp: t, message })) }));

    const stats = async (name: string, dims: Array<{ Name: string; Value: string }> = []) => {
      const out = await cw.send(new GetMetricStatisticsCommand({
        Namespace: "Berth/App", MetricName: name, Dimensions: dims, StartTime: new Date(t - 600_000), EndTime: new Date(t + 600_000), Period: 3600,
        Statistics: ["Sum", "SampleCount", "Average", "Maximum"],
      }));
      return out.Datapoints ?? [];
    };
    const errors = await stats("Errors");
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.Sum, 5);
    assert.equal(errors[0]!.Unit, "Count");
    const a = await stats("Latency", [{ Name: "Path", Value: "/a" }]);
    assert.deepEqual([a[0]!.SampleCount, a[0]!.Average, a[0]!.Maximum, a[0]!.Unit], [2, 200, 300, "Milliseconds"]);
    assert.equal((await stats("Latency", [{ Name: "Path", Value: "/b" }]))[0]!.Sum, 7);
    // Not matching (latency 0) or without the dimension's field: nothing published.
    assert.deepEqual(await stats("Latency", [{ Name: "Path", Value: "/c" }]), []);
    assert.deepEqual(await stats("Latency"), []);
    assert.deepEqual((await stats("Bytes", [{ Name: "Status", Value: "200" }])).map((d) => [d.SampleCount, d.Sum]), [[2, 1000]]);
    assert.deepEqual((await stats("Bytes", [{ Name: "Status", Value: "404" }])).map((d) => d.Sum), [12]);

    // An alarm on the filter's metric: ERROR lines keep coming until it fires.
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: "app-errors", Namespace: "Berth/App", MetricName: "Errors", Statistic: "Sum", Period: 60, EvaluationPeriods: 1,
      Threshold: 2, ComparisonOperator: "GreaterThanThreshold",
    }));
    let state: string | undefined;
    for (let i = 0; i < 120 && state !== "ALARM"; i++) {
      const now = Date.now();
      await logs.send(new PutLogEventsCommand({ logGroupName: "/app", logStreamName: "s", logEvents: [0, 1, 2, 3].map((k) => ({ timestamp: now, message: `ERROR burst ${i} ${k}` })) }));
      await sleep(500);
      state = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["app-errors"] }))).MetricAlarms?.[0]?.StateValue;
    }
    assert.equal(state, "ALARM");

    // Delete: gone, a second delete is refused; deleting the group deletes its filters.
    await logs.send(new DeleteMetricFilterCommand({ logGroupName: "/app", filterName: "errors" }));
    await rejects(logs.send(new DeleteMetricFilterCommand({ logGroupName: "/app", filterName: "errors" })), "ResourceNotFoundException", "The specified metric filter does not exist.");
    assert.deepEqual((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: "/app" }))).metricFilters!.map((f) => f.filterName), ["bytes", "latency"]);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: "/app" }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/app" }));
    assert.deepEqual((await logs.send(new DescribeMetricFiltersCommand({}))).metricFilters, []);
  } finally {
    logs.destroy();
    cw.destroy();
    await berth.dispose();
  }
});
