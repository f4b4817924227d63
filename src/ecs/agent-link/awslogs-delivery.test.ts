import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import Docker from "dockerode";
import { migrate } from "../../store/database.js";
import { defaults } from "../../core/config.js";
import { createLogger } from "../../core/logger.js";
import { ServiceError } from "../../core/errors.js";
import type { Scope } from "../../core/arn.js";
import { saveCluster } from "../clusters/cluster-store.js";
import { saveTask } from "../tasks/task-store.js";
import type { LogLine, LogSink } from "../../logs/log-sink.js";
import { createAwslogsDelivery, DROPPED_METRIC, DROPPED_NAMESPACE, type AwslogsDelivery } from "./awslogs-delivery.js";
import { createMetricStore } from "../../cloudwatch/metrics/metric-store.js";
import { LogOpenError, type LogDestination, type LogShipper } from "../../agent/protocol/log-shipper.js";
import { LogFollower } from "../../agent/awslogs/log-follower.js";
import { awslogsConfig } from "../../agent/awslogs/awslogs-config.js";
import { eventPosition, LAST_CHUNK } from "../../agent/awslogs/log-event-builder.js";
import { encodePosition, NOTHING } from "../../agent/awslogs/log-position.js";
import { ensureTestImage, TEST_IMAGE } from "../../../test/images.js";

const scope = { account: defaults.accountId, region: defaults.region };
const log = createLogger("silent");
const taskArn = `arn:aws:ecs:${scope.region}:${scope.account}:task/logs/0123456789abcdef0123456789abcdef`;
const docker = new Docker();
const LABEL = "berth.test.awslogs-delivery";

/** A LogSink standing in for the CloudWatch Logs store: streams in memory, with its missing-group error. */
function memorySink() {
  const groups = new Map<string, Map<string, LogLine[]>>();
  const key = (s: Scope, g: string) => `${s.account}/${s.region}/${g}`;
  const sink: LogSink = {
    ensureGroup(s, group, create) {
      if (groups.has(key(s, group))) return;
      if (!create) throw new ServiceError("ResourceNotFoundException", "The specified log group does not exist.");
      groups.set(key(s, group), new Map());
    },
    ensureStream(s, group, stream) {
      const g = groups.get(key(s, group));
      if (!g) throw new ServiceError("ResourceNotFoundException", "The specified log group does not exist.");
      if (!g.has(stream)) g.set(stream, []);
    },
    append(s, group, stream, lines) {
      groups.get(key(s, group))!.get(stream)!.push(...lines);
    },
  };
  return { sink, lines: (group: string, stream: string) => (groups.get(key(scope, group))?.get(stream) ?? []).map((l) => l.message) };
}

/** The agent's shipper, in-process and through JSON as on the wire; `fail` can lose a call before or after the server handles it. */
function directShipper(delivery: AwslogsDelivery, fail: (call: number) => "before" | "after" | undefined = () => undefined): LogShipper {
  let calls = 0;
  const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  return {
    async open(d) {
      const r = delivery.open(wire(d));
      if (r.error) throw new LogOpenError(r.error.code, r.error.message);
      return r.position;
    },
    async ship(d, events, dropped) {
      const lose = fail(++calls);
      if (lose === "before") throw new Error("connection refused");
      const r = delivery.deliver(wire(d), wire(events), dropped);
      if (r.error) throw new LogOpenError(r.error.code, r.error.message);
      if (lose === "after") throw new Error("connection reset");
    },
  };
}

function setup() {
  const db = new Database(":memory:");
  migrate(db);
  const clusterArn = `arn:aws:ecs:${scope.region}:${scope.account}:cluster/logs`;
  saveCluster(db, scope, { clusterArn, clusterName: "logs", status: "ACTIVE" });
  saveTask(db, scope, { taskArn, clusterArn, lastStatus: "RUNNING", desiredStatus: "RUNNING", taskDefinitionArn: "td", launchType: "EC2", containers: [] });
  const mem = memorySink();
  const clock = { now: () => new Date() };
  const metrics = createMetricStore({ db, clock, maintenanceMs: 0 });
  return { db, mem, metrics, delivery: createAwslogsDelivery({ db, sink: mem.sink, log, metrics: { sink: metrics, clock } }) };
}

const def = (createGroup: boolean, extra: Record<string, string> = {}) => ({
  name: "app",
  logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/app", "awslogs-region": scope.region, "awslogs-stream-prefix": "web", ...(createGroup ? { "awslogs-create-group": "true" } : {}), ...extra } },
});
const destination = (createGroup: boolean): LogDestination => ({ taskArn, container: "app", group: "/ecs/app", stream: "web/app/0123456789abcdef0123456789abcdef", region: scope.region, createGroup });
const tuning = { batchMs: 20, idleFlushMs: 100, highWaterBytes: 64 * 1024 };
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

async function runContainer(script: string): Promise<string> {
  const c = await docker.createContainer({ Image: TEST_IMAGE, Entrypoint: ["sh", "-c"], Cmd: [script], Labels: { [LABEL]: "1" } });
  await c.start();
  await c.wait();
  return c.id;
}

before(ensureTestImage);
after(async () => {
  const left = await docker.listContainers({ all: true, filters: { label: [LABEL] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
});

test("a missing group without awslogs-create-group is refused with CloudWatch Logs' error; with it the group is created", async () => {
  const { delivery } = setup();
  assert.deepEqual(delivery.open(destination(false)), { error: { code: "ResourceNotFoundException", message: "The specified log group does not exist." } });
  assert.deepEqual(delivery.open(destination(true)), {});
  assert.deepEqual(delivery.open(destination(false)), {}, "the group exists now");
});

test("a batch delivered twice (its reply lost) is stored once; events before the stored position are skipped", () => {
  const { delivery, mem } = setup();
  delivery.open(destination(true));
  const ev = (i: number) => ({ timestamp: 1000 + i, message: `m${i}`, position: eventPosition(`${encodePosition({ ns: BigInt(i), n: 1 })}|${NOTHING}`, LAST_CHUNK) });
  assert.equal(delivery.deliver(destination(true), [ev(1), ev(2)]).position, ev(2).position);
  delivery.deliver(destination(true), [ev(1), ev(2)]);
  delivery.deliver(destination(true), [ev(2), ev(3)]);
  assert.deepEqual(mem.lines("/ecs/app", destination(true).stream), ["m1", "m2", "m3"]);
  assert.equal(delivery.position(taskArn, "app"), ev(3).position);
});

test("a container's 500 lines arrive once each, in order, through lost requests and lost replies", async () => {
  const { delivery, mem } = setup();
  const id = await runContainer("for i in $(seq 1 500); do echo line $i; done");
  const shipper = directShipper(delivery, (n) => (n % 3 === 0 ? "after" : n % 4 === 0 ? "before" : undefined));
  const from = await shipper.open(destination(true));
  // Small batches (a few KB of high water) so that many cross the lossy shipper.
  const f = new LogFollower(docker, id, destination(true), awslogsConfig(def(true))!, shipper, log, from, { ...tuning, batchMs: 0 });
  await f.done;
  assert.deepEqual(mem.lines("/ecs/app", destination(true).stream), numbered(500));
});

test("a follower stopped midway (an agent restart) resumes from the stored position: nothing lost, nothing twice", async () => {
  const { delivery, mem } = setup();
  const id = await runContainer("for i in $(seq 1 3000); do echo line $i; done; echo err 1 >&2");
  let shipped = 0;
  let first!: LogFollower;
  const stopping = directShipper(delivery, () => (++shipped >= 3 ? (first.dispose(), "before") : undefined));
  first = new LogFollower(docker, id, destination(true), awslogsConfig(def(true))!, stopping, log, await stopping.open(destination(true)), { ...tuning, batchMs: 0, highWaterBytes: 4096 });
  await first.done;
  const partial = mem.lines("/ecs/app", destination(true).stream).length;
  assert.ok(partial > 0 && partial < 3001, `part was shipped before the restart (${partial})`);

  const shipper = directShipper(delivery);
  const from = await shipper.open(destination(true));
  assert.ok(from, "the store has a position");
  await new LogFollower(docker, id, destination(true), awslogsConfig(def(true))!, shipper, log, from, tuning).done;
  // In the engine's order: stdout's lines in order, and stderr's one line wherever the engine logged it.
  const got = mem.lines("/ecs/app", destination(true).stream);
  assert.deepEqual(got.filter((l) => l !== "err 1"), numbered(3000));
  assert.equal(got.filter((l) => l === "err 1").length, 1);
  // A third reader from the same position finds nothing new.
  await new LogFollower(docker, id, destination(true), awslogsConfig(def(true))!, shipper, log, await shipper.open(destination(true)), tuning).done;
  assert.equal(mem.lines("/ecs/app", destination(true).stream).length, 3001);
});

test("awslogs-multiline-pattern joins a container's stack traces into single events", async () => {
  const { delivery, mem } = setup();
  const id = await runContainer("echo 'INFO start'; echo 'ERROR boom'; echo '  at a'; echo '  at b'; echo 'INFO end'");
  const shipper = directShipper(delivery);
  const config = awslogsConfig(def(true, { "awslogs-multiline-pattern": "INFO|ERROR" }))!;
  await new LogFollower(docker, id, destination(true), config, shipper, log, await shipper.open(destination(true)), tuning).done;
  assert.deepEqual(mem.lines("/ecs/app", destination(true).stream), ["INFO start\n", "ERROR boom\n  at a\n  at b\n", "INFO end\n"]);
});

test("mode non-blocking drops what does not fit in max-buffer-size rather than waiting, and the rest arrives in order", async () => {
  const { delivery, mem, metrics } = setup();
  const id = await runContainer("for i in $(seq 1 2000); do echo line $i; done");
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const inner = directShipper(delivery);
  // The store answers nothing until the whole output was read: only max-buffer-size of it can wait.
  const slow: LogShipper = { open: inner.open, ship: async (d, e, dropped) => (await held, inner.ship(d, e, dropped)) };
  const config = awslogsConfig(def(true, { mode: "non-blocking", "max-buffer-size": "4k" }))!;
  const f = new LogFollower(docker, id, destination(true), config, slow, log, await slow.open(destination(true)), tuning);
  setTimeout(release, 500);
  await f.done;
  const got = mem.lines("/ecs/app", destination(true).stream);
  assert.ok(got.length > 0 && got.length < 2000, `some lines were dropped (${got.length} kept)`);
  const numbers = got.map((l) => Number(l.split(" ")[1]));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), "what was kept is in order");
  // Every dropped line is counted in the metric, per cluster, task and container.
  const stats = metrics.getMetricStatistics(scope, {
    Namespace: DROPPED_NAMESPACE, MetricName: DROPPED_METRIC, StartTime: new Date(Date.now() - 600_000), EndTime: new Date(Date.now() + 60_000), Period: 3600, Statistics: ["Sum"],
    Dimensions: [{ Name: "ClusterName", Value: "logs" }, { Name: "TaskId", Value: "0123456789abcdef0123456789abcdef" }, { Name: "ContainerName", Value: "app" }],
  });
  assert.equal(stats.Datapoints?.[0]?.Sum, 2000 - got.length);
  metrics.close();
});
