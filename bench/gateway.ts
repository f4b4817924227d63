/**
 * The gateway's hot path: cheap reads through each wire protocol, against moto's server on the
 * same operations, with the same client (wrk: 8 keep-alive connections, one client thread), in
 * interleaved rounds of one run.
 *
 *   npm run build && node dist/bench/gateway.js [--rounds 5] [--seconds 3] [--revisions 1000]
 *
 * Both servers get the same state first: a cluster `bench` and `--revisions` revisions of the
 * task definition family `bench`. Requests carry a SigV4 Authorization header signed once per
 * operation and server (neither server verifies signatures here; both parse the header).
 */
import { startMoto } from "./moto-server.js";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { BerthProcess } from "../test/harness.js";
import type { LoadResult } from "./http-load.js";
import { wrkLoad } from "./wrk-load.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "3" }, revisions: { type: "string", default: "1000" } } });
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const REVISIONS = Number(values.revisions);
const CONCURRENCY = 8;

interface Operation {
  name: string;
  service: string;
  contentType: string;
  target?: string;
  body: string;
  /** Counts against the targets (>= 30x moto, p99 <= 10 ms). */
  target30x: boolean;
}

const ecsTarget = (op: string) => `AmazonEC2ContainerServiceV20141113.${op}`;
const OPERATIONS: Operation[] = [
  { name: "STS GetCallerIdentity", service: "sts", contentType: "application/x-www-form-urlencoded; charset=utf-8", body: "Action=GetCallerIdentity&Version=2011-06-15", target30x: true },
  { name: "ECS DescribeClusters", service: "ecs", contentType: "application/x-amz-json-1.1", target: ecsTarget("DescribeClusters"), body: JSON.stringify({ clusters: ["bench"] }), target30x: true },
  { name: `ECS DescribeTaskDefinition (${REVISIONS} revisions)`, service: "ecs", contentType: "application/x-amz-json-1.1", target: ecsTarget("DescribeTaskDefinition"), body: JSON.stringify({ taskDefinition: `bench:${Math.ceil(REVISIONS / 2)}` }), target30x: true },
  { name: `ECS ListTaskDefinitions (${REVISIONS} revisions, first page)`, service: "ecs", contentType: "application/x-amz-json-1.1", target: ecsTarget("ListTaskDefinitions"), body: JSON.stringify({ familyPrefix: "bench" }), target30x: false },
];

interface Target {
  name: string;
  origin: string;
  stop(): Promise<void>;
}


async function seed(origin: string): Promise<void> {
  const ecs = new ECSClient({ endpoint: origin, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  await ecs.send(new CreateClusterCommand({ clusterName: "bench" }));
  for (let i = 0; i < REVISIONS; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, REVISIONS - i) }, () => ecs.send(new RegisterTaskDefinitionCommand({
      family: "bench", containerDefinitions: [{ name: "app", image: "busybox", memory: 32, essential: true, environment: [{ name: "K", value: "v" }] }],
    }))));
  }
  ecs.destroy();
}

async function headersFor(op: Operation, origin: string): Promise<Record<string, string>> {
  const url = new URL(origin);
  const signer = new SignatureV4({ service: op.service, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, sha256: Sha256 });
  const signed = await signer.sign({
    method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/",
    headers: { host: url.host, "content-type": op.contentType, ...(op.target ? { "x-amz-target": op.target } : {}) },
    body: op.body,
  });
  return signed.headers as Record<string, string>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const berth = await BerthProcess.start();
  const berthTarget: Target = { name: "berth", origin: berth.endpoint, stop: () => berth.stop() };
  const motoServer = await startMoto();
  const moto: Target = { name: "moto", origin: motoServer.origin, stop: async () => motoServer.stop() };
  const targets = [berthTarget, moto];
  try {
    for (const t of targets) await seed(t.origin);
    const results = new Map<string, LoadResult[]>();
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which server goes first, so drift on the machine hits both alike.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const op of OPERATIONS) {
        for (const t of order) {
          const headers = await headersFor(op, t.origin);
          delete headers.host;
          const r = await wrkLoad(t.origin, { method: "POST", path: "/", headers, body: op.body, connections: CONCURRENCY, seconds: SECONDS });
          const key = `${op.name}|${t.name}`;
          results.set(key, [...(results.get(key) ?? []), r]);
        }
      }
    }
    console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${ROUNDS} rounds of ${SECONDS} s per operation and server, ${CONCURRENCY} in flight\n`);
    console.log("| operation | Berth req/s | Berth p50 / p99 | moto req/s | moto p50 / p99 | ratio |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const op of OPERATIONS) {
      const summary = (name: string) => {
        const rs = results.get(`${op.name}|${name}`)!;
        const rate = rs.reduce((n, r) => n + r.requests, 0) / rs.reduce((n, r) => n + r.seconds, 0);
        return { rate, p50: median(rs.map((r) => r.p50Ms)), p99: median(rs.map((r) => r.p99Ms)) };
      };
      const b = summary("berth");
      const m = summary("moto");
      console.log(`| ${op.name} | ${b.rate.toFixed(0)} | ${b.p50.toFixed(2)} / ${b.p99.toFixed(2)} ms | ${m.rate.toFixed(0)} | ${m.p50.toFixed(1)} / ${m.p99.toFixed(1)} ms | ${(b.rate / m.rate).toFixed(1)}x${op.target30x ? "" : " (not a target)"} |`);
    }
  } finally {
    for (const t of targets) await t.stop();
  }
}

await main();
