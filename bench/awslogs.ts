/**
 * The awslogs driver's ingest rate against the engine's own json-file driver, in the same run: a
 * busybox container prints numbered lines as fast as it can; the baseline is the engine's logs API
 * (json-file, follow) read to the end; the awslogs path is the agent's follower (engine logs API ->
 * events -> batches -> the agent protocol's JSON, as the loopback transport sends it) into the
 * control plane's delivery (positions in SQLite, WAL fdatasynced before the agent's answer: durable-answers.ts) and the LogSink, until
 * the last line is stored. Both start with the container; both rates are lines over the time from
 * the container's start to their last line. Lines lost must be 0.
 *   npm run build && node dist/bench/awslogs.js [--lines 500000] [--rounds 3]
 * Not a test: nothing here asserts a time.
 */
import { parseArgs } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import { openDatabase } from "../src/store/database.js";
import { defaults } from "../src/core/config.js";
import { createLogger } from "../src/core/logger.js";
import { saveCluster } from "../src/ecs/clusters/cluster-store.js";
import { saveTask } from "../src/ecs/tasks/task-store.js";
import type { LogSink } from "../src/logs/log-sink.js";
import { createAwslogsDelivery } from "../src/ecs/agent-link/awslogs-delivery.js";
import { LogFollower } from "../src/agent/awslogs/log-follower.js";
import { awslogsConfig } from "../src/agent/awslogs/awslogs-config.js";
import { EngineLogReader } from "../src/agent/awslogs/engine-log-reader.js";
import { PositionCounter, sinceOf, type Position } from "../src/agent/awslogs/log-position.js";
import type { LogShipper } from "../src/agent/protocol/log-shipper.js";
import { ensureTestImage, TEST_IMAGE } from "../test/images.js";
import { benchSink } from "./awslogs-sink.js";

const { values } = parseArgs({ options: { lines: { type: "string", default: "500000" }, rounds: { type: "string", default: "3" } } });
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
const docker = new Docker();
const log = createLogger("warn");
const scope = { account: defaults.accountId, region: defaults.region };
const LABEL = "berth.bench.awslogs";

interface Round {
  baseline: number;
  awslogs: number;
  stored: number;
  bytes: number;
  baselineCatchUp: number;
  awslogsCatchUp: number;
  storedCatchUp: number;
}

async function round(i: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-awslogs-"));
  const db = openDatabase(dir);
  const { sink, count, close }: { sink: LogSink; count: () => number; close: () => void } = benchSink(db);
  const taskArn = `arn:aws:ecs:${scope.region}:${scope.account}:task/bench/${String(i).padStart(32, "0")}`;
  const clusterArn = `arn:aws:ecs:${scope.region}:${scope.account}:cluster/bench`;
  saveCluster(db, scope, { clusterArn, clusterName: "bench", status: "ACTIVE" });
  saveTask(db, scope, { taskArn, clusterArn, lastStatus: "RUNNING", desiredStatus: "RUNNING", taskDefinitionArn: "td", launchType: "EC2", containers: [] });
  const delivery = createAwslogsDelivery({ db, sink, log });
  const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  const shipper: LogShipper = {
    async open(d) {
      return wire(delivery.open(wire(d))).position;
    },
    async ship(d, events, dropped) {
      const r = wire(delivery.deliver(wire(d), wire(events), dropped));
      if (r.error) throw new Error(r.error.message);
    },
  };
  const def = { name: "app", logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": "/bench", "awslogs-region": scope.region, "awslogs-stream-prefix": "b", "awslogs-create-group": "true" } } };
  const destination = { taskArn, container: "app", group: "/bench", stream: `b/app/${i}`, region: scope.region, createGroup: true };
  // The engine's json-file log holds the output whatever reads it; both readers follow from the start.
  const container = await docker.createContainer({ Image: TEST_IMAGE, Entrypoint: ["seq", "1", String(LINES)], Labels: { [LABEL]: "1" }, HostConfig: { LogConfig: { Type: "json-file", Config: {} } } });
  try {
    await container.start();
    const t0 = performance.now();
    const baseline = (async () => {
      // The engine now and then ends a follow early (seen under load): follow again from the last
      // line read, as the awslogs follower does, so the baseline reads every line too.
      let lines = 0;
      let bytes = 0;
      let last: Position | undefined;
      for (let follow = true; ; follow = (await container.inspect()).State.Running) {
        const body = (await container.logs({ follow: follow as true, stdout: true, stderr: true, timestamps: true, since: sinceOf(last) as unknown as number })) as unknown as Readable | Buffer;
        const reader = new EngineLogReader(false);
        const counter = new PositionCounter(last);
        for await (const chunk of Buffer.isBuffer(body) ? [body] : (body as AsyncIterable<Buffer>)) {
          bytes += chunk.length;
          for (const e of reader.push(chunk)) {
            const p = counter.next(e.ns);
            if (p) (lines++, (last = p));
          }
        }
        if (!follow) break;
      }
      return { ms: performance.now() - t0, lines, bytes };
    })();
    const follower = new LogFollower(docker, container.id, destination, awslogsConfig(def)!, shipper, log, await shipper.open(destination));
    await follower.done;
    const awslogsMs = performance.now() - t0;
    const b = await baseline;
    if (b.lines !== LINES) throw new Error(`the baseline read ${b.lines} lines, not ${LINES}`);
    const stored = count();
    // Catch-up: the same output read again once the container has exited (an agent back after a
    // while), into a second stream: what each path does at full speed, not at the container's.
    const c0 = performance.now();
    const again = (await container.logs({ follow: false, stdout: true, stderr: true, timestamps: true })) as unknown as Buffer;
    const lines2 = new EngineLogReader(false).push(again).length;
    const baselineCatchUpMs = performance.now() - c0;
    if (lines2 !== LINES) throw new Error(`the catch-up baseline read ${lines2} lines`);
    const second = { ...destination, container: "app2", stream: `b/app2/${i}` };
    const c1 = performance.now();
    await new LogFollower(docker, container.id, second, awslogsConfig(def)!, shipper, log, await shipper.open(second)).done;
    const awslogsCatchUpMs = performance.now() - c1;
    return {
      baseline: LINES / (b.ms / 1000), awslogs: LINES / (awslogsMs / 1000), stored, bytes: b.bytes,
      baselineCatchUp: LINES / (baselineCatchUpMs / 1000), awslogsCatchUp: LINES / (awslogsCatchUpMs / 1000), storedCatchUp: count() - stored,
    };
  } finally {
    await container.remove({ force: true });
    close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await ensureTestImage();
console.log(`awslogs ingest: ${LINES} lines per round, ${ROUNDS} rounds, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"})`);
console.log("| round | phase | json-file (lines/s) | awslogs (lines/s, MB/s) | ratio | lines lost |");
console.log("|---|---|---|---|---|---|");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
for (let i = 1; i <= ROUNDS; i++) {
  const r = await round(i);
  const mb = (rate: number) => ((rate * r.bytes) / LINES / 1e6).toFixed(1);
  console.log(`| ${i} | live | ${fmt(r.baseline)} | ${fmt(r.awslogs)}, ${mb(r.awslogs)} | ${(r.awslogs / r.baseline).toFixed(2)}x | ${LINES - r.stored} |`);
  console.log(`| ${i} | catch-up | ${fmt(r.baselineCatchUp)} | ${fmt(r.awslogsCatchUp)}, ${mb(r.awslogsCatchUp)} | ${(r.awslogsCatchUp / r.baselineCatchUp).toFixed(2)}x | ${LINES - r.storedCatchUp} |`);
}
