import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  EventBridgeClient, CancelReplayCommand, CreateArchiveCommand, CreateEventBusCommand, DescribeArchiveCommand, DescribeReplayCommand,
  ListArchivesCommand, ListReplaysCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, StartReplayCommand, UpdateArchiveCommand,
} from "@aws-sdk/client-eventbridge";
import { SQSClient, CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";
import { receiveExactly } from "./sqs-messages.js";

/**
 * EventBridge archives and replays: a bus's events that match the archive's pattern are kept; a
 * replay puts exactly the archived events of its window back on the bus, with `replay-name`, to
 * the rules Destination.FilterArns names.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
let berth: BerthProcess;
let sqs: SQSClient;
let events: EventBridgeClient;

const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
/** The messages' bodies (events), once exactly `count` arrived. */
const receiveBodies = async (url: string, count: number) => (await receiveExactly(sqs, url, count, 30_000)).map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  berth = await BerthProcess.start();
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
});
after(async () => {
  sqs?.destroy();
  events?.destroy();
  await berth?.dispose();
});

test("an archive keeps the matching events; a replay of a window reaches the filtered rule's queue once each", async () => {
  const { EventBusArn: busArn } = await events.send(new CreateEventBusCommand({ Name: "shop" }));
  const ordersUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "orders" }))).QueueUrl!;
  const auditUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "audit" }))).QueueUrl!;
  const { RuleArn: ordersRule } = await events.send(new PutRuleCommand({ Name: "orders", EventBusName: "shop", EventPattern: '{"source":["shop"]}' }));
  await events.send(new PutTargetsCommand({ Rule: "orders", EventBusName: "shop", Targets: [{ Id: "q", Arn: queueArn("orders") }] }));
  await events.send(new PutRuleCommand({ Name: "audit", EventBusName: "shop", EventPattern: '{"source":["shop"]}' }));
  await events.send(new PutTargetsCommand({ Rule: "audit", EventBusName: "shop", Targets: [{ Id: "q", Arn: queueArn("audit") }] }));

  // The AWS CLI makes the archive: only "order" events are kept.
  const created = await berth.aws("events", "create-archive", "--archive-name", "orders-archive", "--event-source-arn", busArn!,
    "--event-pattern", '{"detail-type":["order"]}', "--retention-days", "7");
  assert.equal(created.ArchiveArn, `arn:aws:events:us-east-1:${ACCOUNT}:archive/orders-archive`);
  assert.equal(created.State, "ENABLED");
  await assert.rejects(events.send(new CreateArchiveCommand({ ArchiveName: "orders-archive", EventSourceArn: busArn })), { name: "ResourceAlreadyExistsException" });
  await assert.rejects(events.send(new CreateArchiveCommand({ ArchiveName: "other", EventSourceArn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/nope` })),
    { name: "ResourceNotFoundException", message: "Event bus nope does not exist." });
  await assert.rejects(events.send(new CreateArchiveCommand({ ArchiveName: "bad", EventSourceArn: busArn, EventPattern: '{"source":"x"}' })), { name: "InvalidEventPatternException" });

  const put = async (detailTypes: string[]) => {
    const r = await events.send(new PutEventsCommand({ Entries: detailTypes.map((t, i) => ({ EventBusName: "shop", Source: "shop", DetailType: t, Detail: JSON.stringify({ n: i }) })) }));
    assert.equal(r.FailedEntryCount, 0);
    return r.Entries!.map((e) => e.EventId!);
  };
  const windowStart = new Date();
  await sleep(50);
  const inWindow = await put(["order", "order", "refund", "order"]);
  await receiveBodies(ordersUrl, 4);
  await receiveBodies(auditUrl, 4);
  await sleep(50);
  const windowEnd = new Date();
  await sleep(50);
  await put(["order", "order"]);
  await receiveBodies(ordersUrl, 2);
  await receiveBodies(auditUrl, 2);

  const archive = await events.send(new DescribeArchiveCommand({ ArchiveName: "orders-archive" }));
  assert.equal(archive.EventCount, 5, "the five order events, not the refund");
  assert.ok(archive.SizeBytes! > 0);
  assert.equal(archive.RetentionDays, 7);
  assert.equal(archive.EventPattern, '{"detail-type":["order"]}');
  const { Archives } = await events.send(new ListArchivesCommand({ EventSourceArn: busArn }));
  assert.deepEqual(Archives?.map((a) => [a.ArchiveName, a.EventCount, a.State]), [["orders-archive", 5, "ENABLED"]]);

  // Only the orders rule is replayed to: the audit queue gets nothing.
  const started = await events.send(new StartReplayCommand({
    ReplayName: "window", EventSourceArn: archive.ArchiveArn, EventStartTime: windowStart, EventEndTime: windowEnd,
    Destination: { Arn: busArn, FilterArns: [ordersRule!] },
  }));
  assert.equal(started.ReplayArn, `arn:aws:events:us-east-1:${ACCOUNT}:replay/window`);
  assert.equal(started.State, "STARTING");
  const done = await waitFor("the replay to complete", async () => {
    const r = await events.send(new DescribeReplayCommand({ ReplayName: "window" }));
    return r.State === "COMPLETED" ? r : undefined;
  }, 30_000);
  assert.ok(done.ReplayEndTime instanceof Date);
  assert.deepEqual(done.Destination, { Arn: busArn, FilterArns: [ordersRule] });
  const replayed = await receiveBodies(ordersUrl, 3);
  const orderIds = [inWindow[0], inWindow[1], inWindow[3]];
  assert.deepEqual(replayed.map((e) => e.id).sort(), [...orderIds].sort(), "exactly the archived order events of the window");
  for (const e of replayed) {
    assert.equal(e["replay-name"], "window");
    assert.equal(e["detail-type"], "order");
  }
  await receiveBodies(auditUrl, 0);

  // The AWS CLI sees the replay; a completed replay cannot be cancelled.
  const listed = await berth.aws("events", "list-replays", "--name-prefix", "win");
  assert.deepEqual(listed.Replays.map((r: { ReplayName: string; State: string }) => [r.ReplayName, r.State]), [["window", "COMPLETED"]]);
  await assert.rejects(events.send(new CancelReplayCommand({ ReplayName: "window" })), { name: "IllegalStatusException" });
  await assert.rejects(events.send(new StartReplayCommand({
    ReplayName: "window", EventSourceArn: archive.ArchiveArn, EventStartTime: windowStart, EventEndTime: windowEnd, Destination: { Arn: busArn },
  })), { name: "ResourceAlreadyExistsException" });
  await assert.rejects(events.send(new StartReplayCommand({
    ReplayName: "elsewhere", EventSourceArn: archive.ArchiveArn, EventStartTime: windowStart, EventEndTime: windowEnd,
    Destination: { Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` },
  })), { name: "ValidationException" });
  await assert.rejects(events.send(new StartReplayCommand({
    ReplayName: "backwards", EventSourceArn: archive.ArchiveArn, EventStartTime: windowEnd, EventEndTime: windowStart, Destination: { Arn: busArn },
  })), { name: "ValidationException" });
  await assert.rejects(events.send(new DescribeReplayCommand({ ReplayName: "backwards" })), { name: "ResourceNotFoundException", message: "Replay backwards does not exist." });

  // A replay without filters reaches every rule; a whole-history window replays all five.
  await events.send(new StartReplayCommand({ ReplayName: "all", EventSourceArn: archive.ArchiveArn, EventStartTime: windowStart, EventEndTime: new Date(), Destination: { Arn: busArn } }));
  await receiveBodies(ordersUrl, 5);
  await receiveBodies(auditUrl, 5);
  const { Replays } = await events.send(new ListReplaysCommand({ EventSourceArn: archive.ArchiveArn }));
  assert.deepEqual(Replays?.map((r) => r.ReplayName), ["all", "window"]);

  // Replayed events are not archived again; changing the pattern changes what is kept from now on.
  assert.equal((await events.send(new DescribeArchiveCommand({ ArchiveName: "orders-archive" }))).EventCount, 5);
  await events.send(new UpdateArchiveCommand({ ArchiveName: "orders-archive", EventPattern: '{"detail-type":["refund"]}' }));
  await put(["order", "refund"]);
  await receiveBodies(ordersUrl, 2);
  assert.equal((await events.send(new DescribeArchiveCommand({ ArchiveName: "orders-archive" }))).EventCount, 6);

  await berth.aws("events", "delete-archive", "--archive-name", "orders-archive");
  await assert.rejects(events.send(new DescribeArchiveCommand({ ArchiveName: "orders-archive" })), { name: "ResourceNotFoundException", message: "Archive orders-archive does not exist." });
});

test("archived events survive kill -9 and replay after the restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-archive-kill-"));
  let server = await BerthProcess.start({ dataDir });
  const clients = (endpoint: string) => ({ eb: new EventBridgeClient({ endpoint, ...creds }), q: new SQSClient({ endpoint, ...creds }) });
  let c = clients(server.endpoint);
  try {
    const busArn = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`;
    const { ArchiveArn } = await c.eb.send(new CreateArchiveCommand({ ArchiveName: "everything", EventSourceArn: busArn }));
    const start = new Date();
    const ids: string[] = [];
    for (let batch = 0; batch < 2; batch++) {
      const r = await c.eb.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => ({ Source: "kill", DetailType: "n", Detail: JSON.stringify({ i: batch * 10 + i }) })) }));
      ids.push(...r.Entries!.map((e) => e.EventId!));
    }
    c.eb.destroy();
    c.q.destroy();
    await server.kill9();

    server = await BerthProcess.start({ dataDir });
    c = clients(server.endpoint);
    assert.equal((await c.eb.send(new DescribeArchiveCommand({ ArchiveName: "everything" }))).EventCount, 20);
    const url = (await c.q.send(new CreateQueueCommand({ QueueName: "after" }))).QueueUrl!;
    await c.eb.send(new PutRuleCommand({ Name: "after", EventPattern: '{"source":["kill"]}' }));
    await c.eb.send(new PutTargetsCommand({ Rule: "after", Targets: [{ Id: "q", Arn: queueArn("after") }] }));
    await c.eb.send(new StartReplayCommand({ ReplayName: "after-kill", EventSourceArn: ArchiveArn, EventStartTime: start, EventEndTime: new Date(), Destination: { Arn: busArn } }));
    const got = new Set<string>();
    await waitFor("the 20 replayed events", async () => {
      const { Messages = [] } = await c.q.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
      for (const m of Messages) got.add((JSON.parse(m.Body!) as { id: string }).id);
      return got.size >= 20 || undefined;
    }, 30_000);
    assert.deepEqual([...got].sort(), [...ids].sort());
  } finally {
    c.eb.destroy();
    c.q.destroy();
    await server.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
