/**
 * SQS throughput: send + receive + delete cycles per second, each worker sending a message,
 * receiving one and deleting it, with SDK v3 (awsJson1_0, MD5 checks on) against Berth and against
 * moto's server in the same run, same client settings and concurrency. Target: >= 20x moto.
 * Also each server's CPU per cycle (utime + stime from /proc, all its threads) and the client's:
 * on two cores the SDK client's own CPU bounds the rate, so CPU per cycle is the figure that
 * compares the servers whatever else shares the machine.
 *
 *   npm run build && node dist/bench/sqs.js [--seconds 10] [--concurrency 16]
 */
import { startMoto } from "./moto-server.js";
import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as sqs from "@aws-sdk/client-sqs";
import { BerthProcess } from "../test/harness.js";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, concurrency: { type: "string", default: "16" } } });
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

/** CPU seconds (user + system, every thread) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Cycles per second, each cycle's latency percentiles, and the server's and client's CPU ms per cycle, over SECONDS after a short warm-up. */
async function run(origin: string, serverPid: number): Promise<{ rate: number; p50: number; p99: number; serverMs: number; clientMs: number }> {
  const sqsClient = new sqs.SQSClient({ endpoint: origin, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const { QueueUrl } = await sqsClient.send(new sqs.CreateQueueCommand({ QueueName: `bench-${Date.now()}` }));
  const cycle = async () => {
    await sqsClient.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody: "x".repeat(256), MessageAttributes: { kind: { DataType: "String", StringValue: "bench" } } }));
    const got = await sqsClient.send(new sqs.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, MessageAttributeNames: ["All"] }));
    for (const m of got.Messages ?? []) await sqsClient.send(new sqs.DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
  };
  const warmUntil = Date.now() + 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < warmUntil) await cycle();
  }));
  const latencies: number[] = [];
  const serverBefore = cpuSeconds(serverPid);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await cycle();
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const serverMs = ((cpuSeconds(serverPid) - serverBefore) * 1000) / latencies.length;
  const client = process.cpuUsage(clientBefore);
  const clientMs = (client.user + client.system) / 1000 / latencies.length;
  sqsClient.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;
  return { rate: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), serverMs, clientMs };
}

async function main() {
  const berth = await BerthProcess.start();
  const moto = await startMoto();
  try {
    const b = await run(berth.endpoint, berth.proc.pid!);
    const m = await run(moto.origin, moto.pid);
    console.log(`${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${Math.round(totalmem() / 2 ** 30)} GiB · concurrency ${CONCURRENCY} · ${SECONDS} s each`);
    console.log("| target | cycles/s (send+receive+delete) | cycle p50 / p99 | server CPU per cycle | client CPU per cycle |");
    console.log("|---|---|---|---|---|");
    for (const [name, r] of [["Berth", b], ["moto", m]] as const) {
      console.log(`| ${name} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} ms | ${r.serverMs.toFixed(2)} ms | ${r.clientMs.toFixed(2)} ms |`);
    }
    console.log(`throughput: ${(b.rate / m.rate).toFixed(1)}x moto; server CPU per cycle: ${(m.serverMs / b.serverMs).toFixed(1)}x less than moto's`);
  } finally {
    moto.stop();
    await berth.dispose();
  }
}

await main();
