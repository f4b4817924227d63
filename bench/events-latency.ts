/**
 * EventBridge delivery latency: the time from a PutEvents call (SDK v3) to the event's arrival at
 * an SQS target, read by a long-polling receiver, one event at a time and then with several
 * producers. Target: p99 <= 50 ms.
 *
 *   npm run build && node dist/bench/events-latency.js [--events 500] [--producers 8]
 */
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { SQSClient, CreateQueueCommand, ReceiveMessageCommand, DeleteMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { BerthProcess } from "../test/harness.js";

const { values } = parseArgs({ options: { events: { type: "string", default: "500" }, producers: { type: "string", default: "8" } } });
const EVENTS = Number(values.events);
const PRODUCERS = Number(values.producers);
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Set when the run is over (or failed): the receivers stop polling before Berth goes away. */
let stop = false;

async function main() {
  const berth = await BerthProcess.start();
  try {
    const events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
    const sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "bench" }));
    await events.send(new PutRuleCommand({ Name: "bench", EventPattern: '{"source":["bench"]}' }));
    await events.send(new PutTargetsCommand({ Rule: "bench", Targets: [{ Id: "q", Arn: "arn:aws:sqs:us-east-1:000000000000:bench", InputPath: "$.detail" }] }));

    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    const received = new Set<number>();
    let duplicates = 0;
    stop = false;
    // Receivers: several long polls at once, so a message waits for no poll to come back.
    const receivers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 })).catch((err: Error) => {
          if (stop) return { Messages: undefined };
          throw err;
        });
        const now = performance.now();
        for (const m of Messages ?? []) {
          const seq = (JSON.parse(m.Body!) as { seq: number }).seq;
          const t = sentAt.get(seq);
          // At least once: a second copy counts as a duplicate, not as a latency.
          if (t !== undefined && !received.has(seq)) latencies.push(now - t);
          else duplicates++;
          received.add(seq);
        }
        if (Messages?.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
      }
    });
    let seq = 0;
    const put = async () => {
      const n = seq++;
      sentAt.set(n, performance.now());
      await events.send(new PutEventsCommand({ Entries: [{ Source: "bench", DetailType: "Tick", Detail: JSON.stringify({ seq: n }) }] }));
    };
    const drain = async (count: number) => {
      const deadline = Date.now() + 60_000;
      while (latencies.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    const report = (label: string, from: number) => {
      const sorted = latencies.slice(from).sort((a, b) => a - b);
      console.log(`${label}: ${sorted.length} events, p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`);
    };

    // Warm-up.
    for (let i = 0; i < 50; i++) await put();
    await drain(50);
    const results: string[] = [];
    const phase = async (label: string, count: number, body: () => Promise<void>) => {
      const from = latencies.length;
      await body();
      await drain(from + count);
      const sorted = latencies.slice(from).sort((x, y) => x - y);
      results.push(`${label}: ${sorted.length}/${count} events, p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`);
    };
    // The baseline, in the same run: SendMessage straight to the queue, read by the same receivers.
    const send = async () => {
      const n = seq++;
      sentAt.set(n, performance.now());
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ seq: n }) }));
    };
    const paced = (f: () => Promise<void>) => async () => {
      for (let i = 0; i < EVENTS; i++) {
        await f();
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await phase("baseline: SendMessage, one producer, 5 ms apart", EVENTS, paced(send));
    await phase("PutEvents, one producer, 5 ms apart", EVENTS, paced(put));
    const per = Math.ceil(EVENTS / PRODUCERS);
    await phase(`PutEvents, ${PRODUCERS} producers, back to back`, per * PRODUCERS, async () => {
      await Promise.all(Array.from({ length: PRODUCERS }, async () => {
        for (let i = 0; i < per; i++) await put();
      }));
    });
    stop = true;
    await Promise.all(receivers);
    events.destroy();
    sqs.destroy();
    console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
    console.log("sent (SDK v3) -> [rule -> SQS target] -> long-polling receiver:");
    for (const r of results) console.log(`  ${r}`);
    console.log(`  duplicates received: ${duplicates}`);
  } catch (err) {
    // What the server logged about it, to tell a Berth error from the bench's.
    for (const l of berth.logLines.filter((x) => Number(x.level) >= 50).slice(-5)) console.error(JSON.stringify(l));
    throw err;
  } finally {
    stop = true;
    await berth.dispose();
  }
}

await main();
