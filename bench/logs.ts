/**
 * CloudWatch Logs: PutLogEvents ingest (events/s, MB/s) and FilterLogEvents with a term pattern
 * over a group of 1,000,000 events (every page, until no nextToken), against moto's server on the
 * same calls with the same client (SDK v3) in the same run. moto keeps events in Python lists, so
 * it gets fewer events (--moto-events); its figures are per event as well as absolute.
 *
 *   npm run build && node dist/bench/logs.js [--events 1000000] [--moto-events 100000]
 */
import { startMoto } from "./moto-server.js";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { BerthProcess } from "../test/harness.js";

const { values } = parseArgs({ options: { events: { type: "string", default: "1000000" }, "moto-events": { type: "string", default: "100000" } } });
const BATCH = 10_000;
/** One event in this many carries the term searched for. */
const RARE = 1_000;

interface Result { events: number; ingestSeconds: number; ingestMB: number; filterSeconds: number; matched: number; pages: number }

async function measure(endpoint: string, events: number): Promise<Result> {
  const logs = new CloudWatchLogsClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/bench/logs" }));
  const streams = ["web/web/1", "web/web/2", "web/web/3", "web/web/4"];
  for (const s of streams) await logs.send(new CreateLogStreamCommand({ logGroupName: "/bench/logs", logStreamName: s }));
  const t0 = Date.now() - 3_600_000;
  let bytes = 0;
  const started = performance.now();
  for (let b = 0; b * BATCH < events; b++) {
    const logEvents = Array.from({ length: Math.min(BATCH, events - b * BATCH) }, (_, i) => {
      const n = b * BATCH + i;
      const message = `2025-01-01T00:00:00Z ${n % RARE === 0 ? "ERROR" : "INFO"} request ${n} served in ${n % 97} ms path=/api/items/${n % 1000}`;
      bytes += Buffer.byteLength(message);
      return { timestamp: t0 + Math.floor(n / 300), message };
    });
    await logs.send(new PutLogEventsCommand({ logGroupName: "/bench/logs", logStreamName: streams[b % streams.length], logEvents }));
  }
  const ingestSeconds = (performance.now() - started) / 1000;
  const filterStarted = performance.now();
  let matched = 0;
  let pages = 0;
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName: "/bench/logs", filterPattern: "ERROR", nextToken }));
    matched += page.events?.length ?? 0;
    pages++;
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  const filterSeconds = (performance.now() - filterStarted) / 1000;
  logs.destroy();
  return { events, ingestSeconds, ingestMB: bytes / 1e6, filterSeconds, matched, pages };
}

const berth = await BerthProcess.start();
const moto = await startMoto();
try {
  const b = await measure(berth.endpoint, Number(values.events));
  const m = await measure(moto.origin, Number(values["moto-events"]));
  console.log(`${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${Math.round(totalmem() / 2 ** 30)} GiB`);
  console.log("| server | events | ingest events/s | ingest MB/s | FilterLogEvents \"ERROR\" (all pages) | matched | pages |");
  console.log("|---|---|---|---|---|---|---|");
  for (const [name, r] of [["Berth", b], ["moto", m]] as const) {
    console.log(`| ${name} | ${r.events.toLocaleString("en")} | ${Math.round(r.events / r.ingestSeconds).toLocaleString("en")} | ${(r.ingestMB / r.ingestSeconds).toFixed(1)} | ${(r.filterSeconds * 1000).toFixed(0)} ms | ${r.matched} | ${r.pages} |`);
  }
  console.log(`Ingest ratio Berth/moto: ${((b.events / b.ingestSeconds) / (m.events / m.ingestSeconds)).toFixed(1)}x; filter per million events: Berth ${(b.filterSeconds / b.events * 1e6).toFixed(2)} s, moto ${(m.filterSeconds / m.events * 1e6).toFixed(2)} s`);
} finally {
  moto.stop();
  await berth.dispose();
}
