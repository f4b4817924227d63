/**
 * SQS throughput: send + receive + delete cycles per second, each worker sending a message,
 * receiving one and deleting it, with SDK v3 (awsJson1_0, MD5 checks on) against Berth and against
 * moto's server in the same run, same client settings and concurrency. Target: >= 20x moto.
 *
 *   npm run build && node dist/bench/sqs.js [--seconds 10] [--concurrency 16]
 */
import { startMoto } from "./moto-server.js";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import * as sqs from "@aws-sdk/client-sqs";
import { BerthProcess } from "../test/harness.js";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, concurrency: { type: "string", default: "16" } } });
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

/** Cycles per second and each cycle's latency percentiles, over SECONDS after a short warm-up. */
async function run(origin: string): Promise<{ rate: number; p50: number; p99: number }> {
  const client = new sqs.SQSClient({ endpoint: origin, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const { QueueUrl } = await client.send(new sqs.CreateQueueCommand({ QueueName: `bench-${Date.now()}` }));
  const cycle = async () => {
    await client.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody: "x".repeat(256), MessageAttributes: { kind: { DataType: "String", StringValue: "bench" } } }));
    const got = await client.send(new sqs.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, MessageAttributeNames: ["All"] }));
    for (const m of got.Messages ?? []) await client.send(new sqs.DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
  };
  const warmUntil = Date.now() + 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < warmUntil) await cycle();
  }));
  const latencies: number[] = [];
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
  client.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;
  return { rate: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

async function main() {
  const berth = await BerthProcess.start();
  const moto = await startMoto();
  try {
    const b = await run(berth.endpoint);
    const m = await run(moto.origin);
    console.log(`${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${Math.round(totalmem() / 2 ** 30)} GiB · concurrency ${CONCURRENCY} · ${SECONDS} s each`);
    console.log("| target | cycles/s (send+receive+delete) | cycle p50 / p99 |");
    console.log("|---|---|---|");
    console.log(`| Berth | ${b.rate.toFixed(0)} | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} ms |`);
    console.log(`| moto | ${m.rate.toFixed(0)} | ${m.p50.toFixed(1)} / ${m.p99.toFixed(1)} ms |`);
    console.log(`ratio: ${(b.rate / m.rate).toFixed(1)}x moto`);
  } finally {
    moto.stop();
    await berth.dispose();
  }
}

await main();
