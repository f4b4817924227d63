/**
 * CloudWatch metrics: PutMetricData ingest rate (datapoints/s, batches of 1000 values over
 * awsJson1_0, a few requests in flight) and GetMetricData latency (p50/p99) over one day of
 * 10-second data for 500 series; the same requests against moto's server in the same run.
 *
 *   npm run build && node dist/bench/cloudwatch-metrics.js [--series 500] [--hours 24] [--queries 200] [--moto-batches 40]
 *
 * moto keeps every datapoint in a Python list and scans it on every query, so it gets a sample of
 * the ingest (--moto-batches) for the rate and is queried over what it holds: its latency is over
 * far less data than Berth's, which favours it.
 */
import { startMoto } from "./moto-server.js";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { BerthProcess } from "../test/harness.js";

const { values } = parseArgs({ options: {
  series: { type: "string", default: "500" }, hours: { type: "string", default: "24" }, queries: { type: "string", default: "200" },
  "moto-batches": { type: "string", default: "40" }, "moto-queries": { type: "string", default: "20" }, inflight: { type: "string", default: "8" },
} });
const SERIES = Number(values.series);
const HOURS = Number(values.hours);
const QUERIES = Number(values.queries);
const MOTO_BATCHES = Number(values["moto-batches"]);
const INFLIGHT = Number(values.inflight);
const STEP = 10;
const BATCH = 1000;
const TARGET = "GraniteServiceVersion20100801";

async function call(origin: string, op: string, body: unknown): Promise<unknown> {
  const res = await fetch(origin, {
    method: "POST", body: JSON.stringify(body),
    headers: {
      "content-type": "application/x-amz-json-1.0", "x-amz-target": `${TARGET}.${op}`,
      // Neither server verifies signatures here; the scope gives both the account and region.
      authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0",
    },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${op}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

/** Batch i of the day: 1000 consecutive datapoints in (series, time) order, epoch seconds. */
function batch(i: number, start: number): unknown {
  const perSeries = (HOURS * 3600) / STEP;
  const data = [];
  for (let k = i * BATCH; k < (i + 1) * BATCH && k < perSeries * SERIES; k++) {
    const t = Math.floor(k / SERIES);
    const s = k % SERIES;
    data.push({ MetricName: "Latency", Dimensions: [{ Name: "Service", Value: `svc-${s}` }], Timestamp: start + t * STEP, Value: 50 + ((t * 7 + s) % 100), Unit: "Milliseconds" });
  }
  return { Namespace: "Bench", MetricData: data };
}

async function ingest(origin: string, batches: number, start: number): Promise<{ datapoints: number; seconds: number }> {
  let next = 0;
  let datapoints = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: INFLIGHT }, async () => {
    while (next < batches) {
      const b = batch(next++, start) as { MetricData: unknown[] };
      await call(origin, "PutMetricData", b);
      datapoints += b.MetricData.length;
    }
  }));
  return { datapoints, seconds: (performance.now() - began) / 1000 };
}

async function latencies(origin: string, end: number, seriesCount: number, hours: number, queries = QUERIES): Promise<{ single: number[]; math: number[] }> {
  const single: number[] = [];
  const math: number[] = [];
  const metric = (s: number) => ({ Namespace: "Bench", MetricName: "Latency", Dimensions: [{ Name: "Service", Value: `svc-${s}` }] });
  for (let q = 0; q < queries; q++) {
    const s = (q * 37) % seriesCount;
    const range = { StartTime: end - hours * 3600, EndTime: end };
    let t = performance.now();
    // One series, the whole range at 1-minute periods (1440 values for a day).
    await call(origin, "GetMetricData", { ...range, MetricDataQueries: [{ Id: "m", MetricStat: { Metric: metric(s), Period: 60, Stat: "Average" } }] });
    single.push(performance.now() - t);
    t = performance.now();
    // Ten series at 5 minutes, p99 of each, summed by metric math (a server without the math is not timed on it).
    try {
      await call(origin, "GetMetricData", { ...range, MetricDataQueries: [
        ...Array.from({ length: 10 }, (_, k) => ({ Id: `m${k}`, MetricStat: { Metric: metric((s + k) % seriesCount), Period: 300, Stat: "p99" }, ReturnData: false })),
        { Id: "total", Expression: "SUM(METRICS())" },
      ] });
      math.push(performance.now() - t);
    } catch (err) {
      if (q === 0) console.log(`  (math query refused: ${(err as Error).message.slice(0, 160)})`);
    }
  }
  return { single, math };
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function main() {
  console.log(`${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · Node ${process.version}`);
  const end = Math.floor(Date.now() / 1000 / 60) * 60;
  const start = end - HOURS * 3600;
  const batches = Math.ceil(((HOURS * 3600) / STEP) * SERIES / BATCH);
  const berth = await BerthProcess.start();
  const moto = await startMoto();
  try {
    const b = await ingest(berth.endpoint, batches, start);
    console.log(`Berth PutMetricData: ${b.datapoints} datapoints in ${b.seconds.toFixed(1)} s = ${(b.datapoints / b.seconds).toFixed(0)} datapoints/s`);
    const m = await ingest(moto.origin, MOTO_BATCHES, start);
    console.log(`moto  PutMetricData: ${m.datapoints} datapoints in ${m.seconds.toFixed(1)} s = ${(m.datapoints / m.seconds).toFixed(0)} datapoints/s`);
    const bl = await latencies(berth.endpoint, end, SERIES, HOURS);
    console.log(`Berth GetMetricData, 1 series x ${HOURS} h at 60 s: p50 ${pct(bl.single, 50).toFixed(2)} ms, p99 ${pct(bl.single, 99).toFixed(2)} ms`);
    console.log(`Berth GetMetricData, 10 series p99 at 300 s + SUM(METRICS()): p50 ${pct(bl.math, 50).toFixed(2)} ms, p99 ${pct(bl.math, 99).toFixed(2)} ms`);
    // moto holds the first MOTO_BATCHES * 1000 datapoints: every series, the first minutes of the day.
    const ml = await latencies(moto.origin, end, SERIES, HOURS, Number(values["moto-queries"]));
    console.log(`moto  GetMetricData (over ${m.datapoints} datapoints), 1 series: p50 ${pct(ml.single, 50).toFixed(2)} ms, p99 ${pct(ml.single, 99).toFixed(2)} ms`);
    console.log(`moto  GetMetricData (over ${m.datapoints} datapoints), 10 series + math: p50 ${pct(ml.math, 50).toFixed(2)} ms, p99 ${pct(ml.math, 99).toFixed(2)} ms`);
    const { statSync } = await import("node:fs");
    const size = ["berth.sqlite", "berth.sqlite-wal"].reduce((a, f) => {
      try { return a + statSync(`${berth.dataDir}/${f}`).size; } catch { return a; }
    }, 0);
    console.log(`Berth data directory after the day: ${(size / 2 ** 20).toFixed(1)} MiB`);
  } finally {
    moto.stop();
    await berth.dispose();
  }
}

await main();
