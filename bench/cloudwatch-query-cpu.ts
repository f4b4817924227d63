/**
 * In-process CPU per GetMetricData query (no HTTP): one day of 10-second data for `--series`
 * series put through the store, then `--rounds` rounds of issue 11's heavy query (10 series' p99 at
 * 300 s + SUM(METRICS())) and a 1-series Average at 60 s. CPU time (process.cpuUsage) per query, so
 * other processes' load on the machine weighs less than in wall time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../src/store/database.js";
import { createMetricStore } from "../src/cloudwatch/metrics/metric-store.js";

const { values: args } = parseArgs({ options: { series: { type: "string", default: "20" }, rounds: { type: "string", default: "100" } } });
const seriesCount = Number(args.series);
const rounds = Number(args.rounds);
const dir = mkdtempSync(join(tmpdir(), "berth-cw-cpu-"));
const db = openDatabase(dir);
const endMs = Math.floor(Date.now() / 60_000) * 60_000;
const store = createMetricStore({ db, clock: { now: () => new Date(endMs) }, maintenanceMs: 0 });
const scope = { account: "123456789012", region: "us-east-1" };
const STEP = 10_000;
const startMs = endMs - 86_400_000;
for (let t0 = 0; t0 < 8640; t0 += 360) {
  const samples = [];
  for (let s = 0; s < seriesCount; s++) for (let t = t0; t < t0 + 360; t++) {
    samples.push({ namespace: "Bench", metricName: "Latency", dimensions: [{ name: "Service", value: `svc-${s}` }], timestamp: new Date(startMs + t * STEP), value: 50 + ((t * 7 + s) % 100), unit: "Milliseconds" as const });
  }
  store.put(scope, samples);
}
const metric = (s: number) => ({ Namespace: "Bench", MetricName: "Latency", Dimensions: [{ Name: "Service", Value: `svc-${s}` }] });
const range = { StartTime: new Date(startMs), EndTime: new Date(endMs) };
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const heavy: number[] = [];
const single: number[] = [];
for (let r = 0; r < rounds; r++) {
  const s = r % seriesCount;
  let t = cpu();
  store.getMetricData(scope, { ...range, MetricDataQueries: [
    ...Array.from({ length: 10 }, (_, k) => ({ Id: `m${k}`, MetricStat: { Metric: metric((s + k) % seriesCount), Period: 300, Stat: "p99" }, ReturnData: false })),
    { Id: "total", Expression: "SUM(METRICS())" },
  ] });
  heavy.push(cpu() - t);
  t = cpu();
  store.getMetricData(scope, { ...range, MetricDataQueries: [{ Id: "m", MetricStat: { Metric: metric(s), Period: 60, Stat: "Average" } }] });
  single.push(cpu() - t);
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!.toFixed(2);
console.log(JSON.stringify({ rounds, seriesCount, heavy: { p50: pct(heavy, 50), p99: pct(heavy, 99) }, single: { p50: pct(single, 50), p99: pct(single, 99) } }));
store.close();
db.close();
rmSync(dir, { recursive: true, force: true });
