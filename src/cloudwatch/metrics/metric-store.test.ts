import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../store/database.js";
import { createMetricStore } from "./metric-store.js";

/**
 * The store's retention with an injected clock: data rolls from 1 s to 60 s after 3 hours, to
 * 5 minutes after 15 days, to 1 hour after 63 days, and is gone after 455; the statistics survive
 * each rollup, and the periods AWS allows for each age still get them.
 */
test("aged data rolls into coarser tiers, keeps its statistics and is dropped after 455 days", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-metrics-"));
  const db = openDatabase(dir);
  let now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const metrics = createMetricStore({ db, clock: { now: () => new Date(now) }, maintenanceMs: 0 });
  const scope = { account: "123456789012", region: "us-east-1" };
  const t0 = new Date(now - 60_000);
  metrics.put(scope, [1, 2, 3, -4].map((value, i) => ({
    namespace: "N", metricName: "M", dimensions: [{ name: "A", value: "a" }], timestamp: new Date(t0.getTime() + i * 1000), value, storageResolution: 1 as const,
  })));
  const rows = () => db.prepare("SELECT resolution, count(*) AS n FROM cw_points GROUP BY resolution").all();
  const stats = (period: number) => metrics.getMetricStatistics(scope, {
    Namespace: "N", MetricName: "M", Dimensions: [{ Name: "A", Value: "a" }], StartTime: new Date(t0.getTime() - period * 600_000), EndTime: new Date(t0.getTime() + period * 600_000), Period: period,
    Statistics: ["Sum", "SampleCount", "Minimum", "Maximum"],
  }).Datapoints!.map((d) => [d.Sum, d.SampleCount, d.Minimum, d.Maximum]);
  assert.deepEqual(rows(), [{ resolution: 1, n: 4 }]);
  assert.deepEqual(stats(1).length, 4);
  const day = 86400_000;
  for (const [age, resolution, period] of [[4 * 3600_000, 60, 60], [16 * day, 300, 300], [64 * day, 3600, 3600]] as const) {
    now = t0.getTime() + age;
    metrics.series.maintain();
    assert.deepEqual(rows(), [{ resolution, n: 1 }], `after ${age / 3600_000} h`);
    assert.deepEqual(stats(period), [[2, 4, -4, 3]]);
    // A finer period than the data's resolution gets nothing, as on AWS.
    if (resolution > 60) assert.deepEqual(stats(60), []);
  }
  now = t0.getTime() + 456 * day;
  metrics.series.maintain();
  assert.deepEqual(rows(), []);
  assert.equal((db.prepare("SELECT count(*) AS n FROM cw_series").get() as { n: number }).n, 0);
  metrics.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
