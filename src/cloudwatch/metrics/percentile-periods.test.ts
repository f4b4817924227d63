import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../store/database.js";
import { createMetricStore } from "./metric-store.js";
import { alignStart } from "./retention.js";
import { intoPeriods, statisticOf } from "./statistics.js";
import type { MetricSample } from "./metric-sink.js";
import { mergeEncoded } from "./distribution.js";
import type { StandardUnit } from "@aws-sdk/client-cloudwatch";

/**
 * GetMetricData's percentiles read each range's distributions in one piece, grouped into periods
 * in SeriesStore.readPeriodDistributions. Their answers must be exactly those of the general path
 * (every bucket read with its blob, grouped by intoPeriods, merged by statisticOf): here both run
 * over data that exercises every case — 1-second and 60-second buckets side by side, two units,
 * buckets with a negative value (no distribution), buckets past 64 distinct values (histograms)
 * next to exact ones, statistic sets, and period starts not on a 5-minute boundary.
 */
test("percentiles read per period in SQL equal the bucket-by-bucket answers", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-pct-"));
  const db = openDatabase(dir);
  const now = Date.UTC(2026, 0, 2, 12, 0, 0);
  const metrics = createMetricStore({ db, clock: { now: () => new Date(now) }, maintenanceMs: 0 });
  const scope = { account: "123456789012", region: "us-east-1" };
  const dimensions = [{ name: "Service", value: "a" }];
  // A seeded generator: the data is the same on every run.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const samples: MetricSample[] = [];
  const from = now - 6 * 3600_000;
  for (let t = from; t < now; t += 5_000) {
    const minute = Math.floor(t / 60_000);
    // 12 points of up to 200 distinct values in a minute: more once merged than an exact distribution
    // keeps; every third hour has only the 21 values of the other minutes, and stays exact.
    const many = minute % 7 === 0 && Math.floor(minute / 60) % 3 !== 0;
    const value = many ? Math.floor(random() * 200) : Math.round(random() * 20) / 4;
    const negative = minute % 150 === 0 && t % 60_000 === 0;
    samples.push({ namespace: "N", metricName: "M", dimensions, timestamp: new Date(t), value: negative ? -1 : value, unit: minute % 11 === 0 ? "Count" : "Milliseconds", storageResolution: t % 10_000 === 0 ? 1 : 60 });
    if (minute % 13 === 0 && t % 60_000 === 0) {
      samples.push({ namespace: "N", metricName: "M", dimensions, timestamp: new Date(t), value: 0, statistics: { SampleCount: 3, Sum: 6, Minimum: 2, Maximum: 2 }, unit: "Milliseconds" });
    }
  }
  metrics.put(scope, samples);
  const series = metrics.series.find(scope, { namespace: "N", metricName: "M", dimensions: [{ Name: "Service", Value: "a" }] })!;
  const resolutions = db.prepare("SELECT DISTINCT resolution FROM cw_points ORDER BY 1").all();
  assert.deepEqual(resolutions, [{ resolution: 1 }, { resolution: 60 }]);

  const stats = ["p0", "p10", "p50", "p90", "p99", "p99.9", "p100"];
  let compared = 0;
  for (const period of [1, 10, 60, 120, 300, 3600]) {
    for (const unit of [undefined, "Milliseconds", "Count"]) {
      // 17 seconds past a minute: periods of a minute or more start on the minute, not on 5 minutes.
      const startTime = period >= 60 ? from + 60_017 : now - 3600_000 + 17_000;
      const endTime = period >= 60 ? now - 29_500 : now - 1_500;
      const queries = stats.map((Stat, i) => ({ Id: `q${i}`, MetricStat: { Metric: { Namespace: "N", MetricName: "M", Dimensions: [{ Name: "Service", Value: "a" }] }, Period: period, Stat, Unit: unit as StandardUnit | undefined } }));
      const answer = metrics.getMetricData(scope, { StartTime: new Date(startTime), EndTime: new Date(endTime), MetricDataQueries: queries, ScanBy: "TimestampAscending" });

      const start = alignStart(Math.floor(startTime / 1000), period, now / 1000);
      const buckets = metrics.series.read(series, start, Math.ceil(endTime / 1000), true).filter((b) => (unit === undefined || b.unit === unit) && b.bucket < endTime / 1000);
      const periods = [...intoPeriods(buckets, start, period, true).values()].sort((a, b) => a.start - b.start);
      stats.forEach((stat, i) => {
        const expected = periods.map((p) => [p.start, statisticOf(p.agg, stat)] as const).filter(([, v]) => v !== undefined);
        const result = answer.MetricDataResults![i]!;
        const got = result.Timestamps!.map((t, j) => [t.getTime() / 1000, result.Values![j]] as const);
        assert.deepEqual(got, expected, `${stat} at ${period} s, unit ${unit}`);
        compared += got.length;
      });
      // Some periods have no percentile (a negative value), and some have several units merged.
      if (unit === undefined && period === 300) assert.ok(periods.some((p) => p.agg.blobs === null) && periods.some((p) => p.agg.blobs !== null));
      // Hours hold more distinct values than an exact distribution keeps: their percentiles come from histograms.
      if (unit === undefined && period === 3600) assert.ok(periods.some((p) => p.agg.blobs && !mergeEncoded(p.agg.blobs).exact) && periods.some((p) => p.agg.blobs && mergeEncoded(p.agg.blobs).exact));
    }
  }
  assert.ok(compared > 10_000, `compared ${compared} values`);
  metrics.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
