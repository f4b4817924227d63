/**
 * SQS throughput: send + receive + delete cycles per second, each worker sending a message,
 * receiving one and deleting it, against Berth and against moto's server in the same run, with
 * the same client and concurrency for both. Two clients, each measured against both servers:
 * - SDK v3 (@aws-sdk/client-sqs: awsJson1_0, its MD5 checks on);
 * - light: AWS JSON 1.0 over an undici keep-alive pool, signed by @smithy/signature-v4
 *   (bench/sqs-light-client.ts), which leaves the servers more of the two cores.
 * Both do the same work per cycle and check every answer: the send's MD5s, the received message's
 * body, MD5s and attribute, and that each message sent comes back once and only once.
 * Also each server's CPU per cycle (user and system time from /proc, all its threads) and the
 * client's (process.cpuUsage): the client shares the machine's cores with the server, so CPU per
 * cycle is the figure that compares the servers whatever else runs.
 *
 *   npm run build && node dist/bench/sqs.js [--seconds 10] [--concurrency 16] [--rounds 1] [--warmup 3]
 *     [--client both|sdk|light] [--berth-only] [--compare-berth OTHER/dist/src/cli/main.js]
 *     [--profile DIR]
 */
import { startMoto } from "./moto-server.js";
import { cpus, loadavg, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { hash } from "node:crypto";
import { parseArgs } from "node:util";
import * as sqs from "@aws-sdk/client-sqs";
import { BerthProcess } from "../test/harness.js";
import { LightSqsClient } from "./sqs-light-client.js";

const { values } = parseArgs({ options: {
  seconds: { type: "string", default: "10" },
  concurrency: { type: "string", default: "16" },
  // Seconds of the same load before each measurement: V8 is still optimising the server's hot
  // path for the first seconds (the optimising compiler's thread shows in the server's CPU).
  warmup: { type: "string", default: "3" },
  // Every client against every server this many times, in rotating order; medians are reported.
  rounds: { type: "string", default: "1" },
  client: { type: "string", default: "both" },
  // Measures Berth alone (with --profile: a profile of just the bench load).
  "berth-only": { type: "boolean", default: false },
  // Another build of Berth measured alongside (its dist/src/cli/main.js): before/after in one run.
  "compare-berth": { type: "string" },
  // Writes a V8 CPU profile of Berth's server to this directory (node --cpu-prof) when it stops.
  profile: { type: "string" },
} });
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);

/** The one attribute every message carries, and its MD5OfMessageAttributes as SQS defines it (pinned: src/sqs/message-md5.test.ts). */
const ATTRIBUTES = { kind: { DataType: "String", StringValue: "bench" } };
const ATTRIBUTES_MD5 = "9ec370cd7dc2df36ee8841d27dfd8692";
const md5 = (text: string) => hash("md5", text, "hex");

/** CPU seconds (user and system, every thread) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/**
 * What came back, checked against what was sent: bodies are unique per message, and a received
 * message must carry a body sent in this run and not received yet, with its attribute, under the
 * MessageId its send was answered with. Bodies are registered before their send: another worker
 * may receive a message before its sender has read the send's answer. A body received a second
 * time (its first receipt still within the 30 s visibility timeout, longer than a run) is a
 * duplicate delivery: counted and reported, as a fault of the server, rather than ending the run.
 */
class RoundTrips {
  private readonly unreceived = new Set<string>();
  private readonly receivedBodies = new Set<string>();
  /** Filled by whichever comes first for a message, its send's answer or its receipt. */
  private readonly bodyOfId = new Map<string, string>();
  received = 0;
  duplicates = 0;
  emptyReceives = 0;

  sending(body: string): void {
    this.unreceived.add(body);
  }

  sent(id: string | undefined, body: string): void {
    this.pair(id, body);
  }

  got(id: string | undefined, body: string | undefined, kind: string | undefined): void {
    if (body !== undefined && this.receivedBodies.has(body)) {
      this.duplicates++;
      return;
    }
    if (body === undefined || !this.unreceived.delete(body)) throw new Error(`received message ${id} with a body not sent in this run`);
    if (kind !== "bench") throw new Error(`message ${id} came back without its attribute`);
    this.pair(id, body);
    this.receivedBodies.add(body);
    this.received++;
  }

  get notReceived(): number {
    return this.unreceived.size;
  }

  private pair(id: string | undefined, body: string): void {
    if (!id) throw new Error("a message without a MessageId");
    const known = this.bodyOfId.get(id);
    if (known === undefined) this.bodyOfId.set(id, body);
    else if (known !== body) throw new Error(`MessageId ${id} was given to two different messages`);
  }
}

/** One client bound to one server's queue: a cycle is send, receive (one message at most), delete. */
interface Driver {
  cycle(body: string): Promise<void>;
  close(): void | Promise<void>;
}

const QUEUE = () => `bench-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** SDK v3; it checks MD5OfMessageBody and MD5OfMessageAttributes itself (its md5 option, on by default). */
async function sdkDriver(origin: string, check: RoundTrips): Promise<Driver> {
  const client = new sqs.SQSClient({ endpoint: origin, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const { QueueUrl } = await client.send(new sqs.CreateQueueCommand({ QueueName: QUEUE() }));
  return {
    async cycle(body) {
      check.sending(body);
      const sent = await client.send(new sqs.SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: ATTRIBUTES }));
      check.sent(sent.MessageId, body);
      const got = await client.send(new sqs.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, MessageAttributeNames: ["All"] }));
      if (!got.Messages?.length) check.emptyReceives++;
      for (const m of got.Messages ?? []) {
        check.got(m.MessageId, m.Body, m.MessageAttributes?.["kind"]?.StringValue);
        await client.send(new sqs.DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
    },
    close: () => client.destroy(),
  };
}

interface WireMessage { MessageId?: string; ReceiptHandle?: string; Body?: string; MD5OfBody?: string; MD5OfMessageAttributes?: string; MessageAttributes?: Record<string, { StringValue?: string }> }

/** The light client, making the same checks as the SDK's (the MD5s of what was sent and received), then the bench's. */
async function lightDriver(origin: string, check: RoundTrips): Promise<Driver> {
  const client = new LightSqsClient(origin, { connections: CONCURRENCY });
  const { QueueUrl } = await client.call<{ QueueUrl: string }>("CreateQueue", { QueueName: QUEUE() });
  return {
    async cycle(body) {
      check.sending(body);
      const sent = await client.call<{ MessageId?: string; MD5OfMessageBody?: string; MD5OfMessageAttributes?: string }>("SendMessage", { QueueUrl, MessageBody: body, MessageAttributes: ATTRIBUTES });
      if (sent.MD5OfMessageBody !== md5(body) || sent.MD5OfMessageAttributes !== ATTRIBUTES_MD5) throw new Error(`SendMessage answered wrong MD5s: ${JSON.stringify(sent)}`);
      check.sent(sent.MessageId, body);
      const got = await client.call<{ Messages?: WireMessage[] }>("ReceiveMessage", { QueueUrl, MaxNumberOfMessages: 1, MessageAttributeNames: ["All"] });
      if (!got.Messages?.length) check.emptyReceives++;
      for (const m of got.Messages ?? []) {
        // As the SDK: the body's MD5 always, the attributes' when the answer carries it.
        if (m.Body === undefined || m.MD5OfBody !== md5(m.Body)) throw new Error(`ReceiveMessage answered a wrong MD5OfBody: ${JSON.stringify(m)}`);
        if (m.MD5OfMessageAttributes !== undefined && m.MD5OfMessageAttributes !== ATTRIBUTES_MD5) throw new Error(`ReceiveMessage answered a wrong MD5OfMessageAttributes: ${JSON.stringify(m)}`);
        check.got(m.MessageId, m.Body, m.MessageAttributes?.["kind"]?.StringValue);
        await client.call("DeleteMessage", { QueueUrl, ReceiptHandle: m.ReceiptHandle });
      }
    },
    close: () => client.close(),
  };
}

const CLIENTS = { "SDK v3": sdkDriver, light: lightDriver } as const;
type ClientName = keyof typeof CLIENTS;

interface Target { name: string; origin: string; pid: number }
interface Result { rate: number; p50: number; p99: number; serverUserMs: number; serverSystemMs: number; clientMs: number; received: number; duplicates: number; emptyReceives: number; unreceived: number }

/** Cycles per second, each cycle's latency percentiles, and the server's and client's CPU ms per cycle, over SECONDS after WARMUP seconds of the same load. */
async function run(clientName: ClientName, target: Target): Promise<Result> {
  const check = new RoundTrips();
  const driver = await CLIENTS[clientName](target.origin, check);
  let n = 0;
  // Unique bodies (so a message that comes back is known by its body), all 256 bytes.
  const body = () => `${clientName}/${target.name}/${n++}/`.padEnd(256, "x");
  const warmUntil = Date.now() + WARMUP * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < warmUntil) await driver.cycle(body());
  }));
  const latencies: number[] = [];
  const serverBefore = cpuSeconds(target.pid);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await driver.cycle(body());
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const serverAfter = cpuSeconds(target.pid);
  const client = process.cpuUsage(clientBefore);
  await driver.close();
  const cycles = latencies.length;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(cycles - 1, Math.floor(cycles * q))]!;
  return {
    rate: cycles / elapsed, p50: at(0.5), p99: at(0.99),
    serverUserMs: ((serverAfter.user - serverBefore.user) * 1000) / cycles,
    serverSystemMs: ((serverAfter.system - serverBefore.system) * 1000) / cycles,
    clientMs: (client.user + client.system) / 1000 / cycles,
    received: check.received, duplicates: check.duplicates, emptyReceives: check.emptyReceives, unreceived: check.notReceived,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const clients: ClientName[] = values.client === "sdk" ? ["SDK v3"] : values.client === "light" ? ["light"] : ["SDK v3", "light"];
  const load = loadavg().map((l) => l.toFixed(1)).join(" ");
  const berth = await BerthProcess.start(values.profile ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values.profile}` } } : {});
  const other = values["compare-berth"] ? await BerthProcess.start({ bin: values["compare-berth"] }) : undefined;
  const moto = values["berth-only"] ? undefined : await startMoto();
  const targets: Target[] = [
    { name: "Berth", origin: berth.endpoint, pid: berth.proc.pid! },
    ...(other ? [{ name: "Berth (compared)", origin: other.endpoint, pid: other.proc.pid! }] : []),
    ...(moto ? [{ name: "moto", origin: moto.origin, pid: moto.pid }] : []),
  ];
  try {
    const results = new Map<string, Result[]>();
    const pairs = clients.flatMap((c) => targets.map((t) => [c, t] as const));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotating order: each pair takes each place in a round as often as the others.
      for (let i = 0; i < pairs.length; i++) {
        const [c, t] = pairs[(i + round) % pairs.length]!;
        const r = await run(c, t);
        const key = `${c}|${t.name}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        console.error(`round ${round + 1}: ${c} → ${t.name}: ${r.rate.toFixed(0)} cycles/s, server ${(r.serverUserMs + r.serverSystemMs).toFixed(2)} ms, client ${r.clientMs.toFixed(2)} ms per cycle; ${r.received} round trips checked, ${r.duplicates} duplicate deliveries, ${r.emptyReceives} empty receives`);
      }
    }
    console.log(`${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${Math.round(totalmem() / 2 ** 30)} GiB · concurrency ${CONCURRENCY} · ${SECONDS} s × ${ROUNDS} round(s) each after ${WARMUP} s of warm-up · load average ${load} before, ${loadavg().map((l) => l.toFixed(1)).join(" ")} after`);
    console.log("| client | server | cycles/s (send+receive+delete) | cycle p50 / p99 | server CPU per cycle (user + system) | client CPU per cycle | duplicate deliveries |");
    console.log("|---|---|---|---|---|---|---|");
    const summary = new Map<string, { rate: number; serverMs: number }>();
    for (const [c, t] of pairs) {
      const rs = results.get(`${c}|${t.name}`)!;
      // The server's CPU split as in the round of median total, so that the parts add up.
      const mid = [...rs].sort((a, b) => a.serverUserMs + a.serverSystemMs - (b.serverUserMs + b.serverSystemMs))[Math.floor(rs.length / 2)]!;
      const m = { rate: median(rs.map((r) => r.rate)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), user: mid.serverUserMs, system: mid.serverSystemMs, client: median(rs.map((r) => r.clientMs)) };
      summary.set(`${c}|${t.name}`, { rate: m.rate, serverMs: m.user + m.system });
      console.log(`| ${c} | ${t.name} | ${m.rate.toFixed(0)} | ${m.p50.toFixed(1)} / ${m.p99.toFixed(1)} ms | ${(m.user + m.system).toFixed(2)} ms (${m.user.toFixed(2)} + ${m.system.toFixed(2)}) | ${m.client.toFixed(2)} ms | ${rs.reduce((n, r) => n + r.duplicates, 0)} of ${rs.reduce((n, r) => n + r.received, 0)} |`);
    }
    for (const c of clients) {
      const b = summary.get(`${c}|Berth`)!;
      for (const t of targets.slice(1)) {
        const o = summary.get(`${c}|${t.name}`)!;
        console.log(`${c}: Berth ${(b.rate / o.rate).toFixed(1)}x ${t.name}'s throughput; ${t.name}'s server CPU per cycle ${(o.serverMs / b.serverMs).toFixed(2)}x Berth's`);
      }
    }
  } finally {
    moto?.stop();
    await other?.dispose();
    await berth.dispose();
  }
}

await main();
