import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../store/database.js";
import { ServiceError } from "../core/errors.js";
import { createLogStore, type LogStore } from "./log-store.js";
import { createGroup, describeGroups, putRetention, requireGroup } from "./log-groups.js";
import { createStream, describeStreams, requireStream } from "./log-streams.js";
import { getLogEvents } from "./get-log-events.js";
import { filterLogEvents } from "./filter-log-events.js";

/** The store in-process with a clock the test moves: retention, paging and the sink's rules. */
const scope = { account: "123456789012", region: "us-east-1" };
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

let dir: string;
let db: Db;
let now: number;
let store: LogStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-logs-"));
  db = openDatabase(dir);
  now = T0;
  store = createLogStore({ db, clock: { now: () => new Date(now) } });
  createGroup(db, store.clock, scope, { name: "g" });
  createStream(db, store.clock, requireGroup(db, scope, "g"), "s");
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const group = () => requireGroup(db, scope, "g");
const stream = (name = "s") => requireStream(db, group(), name);
const messages = (events: Array<{ message?: string }> | undefined) => (events ?? []).map((e) => e.message);
const count = () => (db.prepare("SELECT count(*) AS n FROM log_events").get() as { n: number }).n;

const awsError = (code: string, message?: string) => (err: unknown) =>
  err instanceof ServiceError && err.code === code && (message === undefined || err.message === message);

test("retention deletes the events older than the period, on the clock's time, and nothing newer", () => {
  // More than one deletion chunk (10,000) of old events, then one recent one.
  store.append(scope, "g", "s", Array.from({ length: 25_000 }, (_, i) => ({ timestamp: T0 - 3 * DAY + i, message: `old ${i}` })));
  store.putLogEvents(scope, "g", "s", [{ timestamp: T0, message: "new" }]);
  assert.equal(store.expire(), 0, "no retention policy: nothing expires");
  putRetention(db, scope, "g", 1);
  assert.equal(store.expire(), 25_000);
  assert.deepEqual(messages(getLogEvents(db, stream(), { startFromHead: true }).events), ["new"]);
  assert.equal(describeGroups(db, scope, {}).logGroups[0]!.storedBytes, 3, "stored bytes shrink with what expired");
  now += 2 * DAY;
  assert.equal(store.expire(), 1);
  assert.equal(count(), 0);
});

test("PutLogEvents reports too old, expired and too new events and stores the rest", () => {
  const put = (...events: Array<[number, string]>) => store.putLogEvents(scope, "g", "s", events.map(([timestamp, message]) => ({ timestamp, message }))).rejectedLogEventsInfo;
  assert.deepEqual(put([T0 - 14 * DAY - 3_600_000, "too old"], [T0 - 14 * DAY - 3_600_000 + 1, "too old"], [T0 - 14 * DAY + 3_600_000, "kept"]), { tooOldLogEventEndIndex: 2 });
  putRetention(db, scope, "g", 7);
  assert.deepEqual(put([T0 - 7 * DAY - 3_600_000, "expired"], [T0 - 7 * DAY + 3_600_000, "kept"]), { expiredLogEventEndIndex: 1 });
  assert.deepEqual(put([T0, "kept"], [T0 + 3 * 3_600_000, "too new"]), { tooNewLogEventStartIndex: 1 });
  assert.equal(put([T0 + 1, "kept"]), undefined);
  assert.deepEqual(messages(getLogEvents(db, stream(), {}).events), ["kept", "kept", "kept", "kept"]);
});

test("PutLogEvents refuses a whole batch that breaks a rule, and stores nothing", () => {
  const cases: Array<[Array<{ timestamp: number; message: string }>, string]> = [
    [[{ timestamp: T0, message: "b" }, { timestamp: T0 - 1, message: "a" }], "Log events in a single PutLogEvents request must be in chronological order."],
    [[{ timestamp: T0 - DAY - 1, message: "a" }, { timestamp: T0, message: "b" }], "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."],
    [[{ timestamp: T0, message: "x".repeat(262_144) }], "Log event too large: 262170 bytes exceeds limit of 262144"],
    [Array.from({ length: 5 }, () => ({ timestamp: T0, message: "x".repeat(220_000) })), "Upload too large: 1100130 bytes exceeds limit of 1048576"],
  ];
  for (const [events, message] of cases) assert.throws(() => store.putLogEvents(scope, "g", "s", events), awsError("InvalidParameterException", message));
  assert.throws(() => store.putLogEvents(scope, "g", "nope", [{ timestamp: T0, message: "a" }]), awsError("ResourceNotFoundException", "The specified log stream does not exist."));
  assert.throws(() => store.putLogEvents(scope, "nope", "s", [{ timestamp: T0, message: "a" }]), awsError("ResourceNotFoundException", "The specified log group does not exist."));
  assert.equal(count(), 0);
});

test("GetLogEvents pages forward from the head and backward from the tail, answering the same token at either end", () => {
  store.putLogEvents(scope, "g", "s", Array.from({ length: 25 }, (_, i) => ({ timestamp: T0 + i, message: `e${i}` })));
  const pages: string[][] = [];
  let token: string | undefined;
  let r = getLogEvents(db, stream(), { startFromHead: true, limit: 10 });
  for (;;) {
    pages.push(messages(r.events) as string[]);
    if (r.nextForwardToken === token) break;
    token = r.nextForwardToken;
    r = getLogEvents(db, stream(), { nextToken: token, limit: 10 });
  }
  assert.deepEqual(pages.map((p) => p.length), [10, 10, 5, 0]);
  assert.deepEqual(pages.flat(), Array.from({ length: 25 }, (_, i) => `e${i}`));
  // Following the last forward token sees events that arrive later.
  store.putLogEvents(scope, "g", "s", [{ timestamp: T0 + 100, message: "later" }]);
  assert.deepEqual(messages(getLogEvents(db, stream(), { nextToken: token }).events), ["later"]);

  const back = getLogEvents(db, stream(), { limit: 10 });
  assert.deepEqual(messages(back.events), [...Array.from({ length: 9 }, (_, i) => `e${16 + i}`), "later"]);
  const before = getLogEvents(db, stream(), { nextToken: back.nextBackwardToken, limit: 10 });
  assert.deepEqual(messages(before.events), Array.from({ length: 10 }, (_, i) => `e${6 + i}`));
  const head = getLogEvents(db, stream(), { nextToken: getLogEvents(db, stream(), { nextToken: before.nextBackwardToken, limit: 10 }).nextBackwardToken, limit: 10 });
  assert.deepEqual(head.events, []);
  assert.equal(getLogEvents(db, stream(), { nextToken: head.nextBackwardToken }).nextBackwardToken, head.nextBackwardToken);
  // GetLogEvents: startTime is inclusive, endTime exclusive.
  assert.deepEqual(messages(getLogEvents(db, stream(), { startTime: T0 + 3, endTime: T0 + 5 }).events), ["e3", "e4"]);
  assert.throws(() => getLogEvents(db, stream(), { nextToken: "f/garbage" }), awsError("InvalidParameterException", "The specified nextToken is invalid."));
});

test("an empty stream's forward token starts at the head", () => {
  const first = getLogEvents(db, stream(), {});
  assert.deepEqual(first.events, []);
  store.putLogEvents(scope, "g", "s", [{ timestamp: T0, message: "first" }]);
  assert.deepEqual(messages(getLogEvents(db, stream(), { nextToken: first.nextForwardToken }).events), ["first"]);
});

test("FilterLogEvents interleaves streams in time order, pages with nextToken, and keeps event ids stable", () => {
  createStream(db, store.clock, group(), "t");
  store.putLogEvents(scope, "g", "s", Array.from({ length: 30 }, (_, i) => ({ timestamp: T0 + 2 * i, message: `s ${i} ${i % 3 === 0 ? "ERROR" : "INFO"}` })));
  store.putLogEvents(scope, "g", "t", Array.from({ length: 30 }, (_, i) => ({ timestamp: T0 + 2 * i + 1, message: `t ${i} ${i % 3 === 0 ? "ERROR" : "INFO"}` })));
  const all = filterLogEvents(db, group(), {}).events!;
  assert.equal(all.length, 60);
  assert.deepEqual(all.slice(0, 3).map((e) => e.logStreamName), ["s", "t", "s"]);
  assert.deepEqual(all.map((e) => e.timestamp), [...all.map((e) => e.timestamp!)].sort((a, b) => a - b));
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = filterLogEvents(db, group(), { filterPattern: "ERROR", limit: 7, nextToken });
    seen.push(...page.events!.map((e) => e.eventId!));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  assert.equal(seen.length, 20);
  assert.equal(new Set(seen).size, 20);
  assert.deepEqual(seen, all.filter((e) => e.message!.includes("ERROR")).map((e) => e.eventId));
  // FilterLogEvents: both ends inclusive.
  assert.deepEqual(messages(filterLogEvents(db, group(), { logStreamNames: ["t"], startTime: T0 + 10, endTime: T0 + 12 }).events), ["t 5 INFO"]);
  assert.equal(filterLogEvents(db, group(), { logStreamNamePrefix: "s" }).events!.length, 30);
  assert.deepEqual(filterLogEvents(db, group(), { logStreamNames: ["missing"] }).events, []);
  assert.throws(() => filterLogEvents(db, group(), { logStreamNames: ["s"], logStreamNamePrefix: "s" }), awsError("InvalidParameterException"));
});

test("the sink creates a group only when asked, drops what PutLogEvents would reject, splits long lines and orders by time", () => {
  assert.throws(() => store.ensureGroup(scope, "/ecs/missing", false), awsError("ResourceNotFoundException", "The specified log group does not exist."));
  store.ensureGroup(scope, "/ecs/web", true);
  store.ensureGroup(scope, "/ecs/web", false);
  store.ensureStream(scope, "/ecs/web", "web/web/1");
  store.ensureStream(scope, "/ecs/web", "web/web/1");
  store.append(scope, "/ecs/web", "web/web/1", [
    { timestamp: T0 + 2, message: "second" },
    { timestamp: T0 + 1, message: "first" },
    { timestamp: T0 - 15 * DAY, message: "too old" },
    { timestamp: T0 + 3, message: "" },
    { timestamp: T0 + 4, message: "é".repeat(200_000) },
  ]);
  const events = getLogEvents(db, requireStream(db, requireGroup(db, scope, "/ecs/web"), "web/web/1"), { startFromHead: true }).events!;
  assert.deepEqual(events.slice(0, 2).map((e) => e.message), ["first", "second"]);
  assert.equal(events.length, 4, "the 400,000-byte line is two events");
  assert.equal(events.slice(2).map((e) => e.message).join(""), "é".repeat(200_000));
  for (const e of events) assert.ok(Buffer.byteLength(e.message!) <= 262_118);
});

test("DescribeLogStreams orders by last event time, descending, and pages", () => {
  for (const name of ["b", "c", "a"]) createStream(db, store.clock, group(), name);
  store.putLogEvents(scope, "g", "c", [{ timestamp: T0 + 1, message: "x" }]);
  store.putLogEvents(scope, "g", "a", [{ timestamp: T0 + 2, message: "x" }]);
  store.putLogEvents(scope, "g", "b", [{ timestamp: T0 + 3, message: "x" }]);
  const names = (r: { logStreams?: Array<{ logStreamName?: string }> }) => r.logStreams!.map((s) => s.logStreamName);
  assert.deepEqual(names(describeStreams(db, group(), {})), ["a", "b", "c", "s"]);
  const first = describeStreams(db, group(), { orderBy: "LastEventTime", descending: true, limit: 2 });
  assert.deepEqual(names(first), ["b", "a"]);
  const second = describeStreams(db, group(), { orderBy: "LastEventTime", descending: true, limit: 2, nextToken: first.nextToken });
  assert.deepEqual(names(second), ["c", "s"]);
  assert.equal(second.nextToken, undefined);
  assert.deepEqual(names(describeStreams(db, group(), { prefix: "a" })), ["a"]);
  assert.throws(() => describeStreams(db, group(), { orderBy: "LastEventTime", prefix: "a" }), awsError("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix."));
});

test("DescribeLogGroups: prefix, case-insensitive pattern, paging", () => {
  for (const name of ["/ecs/web", "/ecs/API", "/lambda/fn"]) createGroup(db, store.clock, scope, { name });
  const names = (r: { logGroups?: Array<{ logGroupName?: string }> }) => r.logGroups!.map((g) => g.logGroupName);
  assert.deepEqual(names(describeGroups(db, scope, { prefix: "/ecs/" })), ["/ecs/API", "/ecs/web"]);
  assert.deepEqual(names(describeGroups(db, scope, { pattern: "api" })), ["/ecs/API"]);
  const page = describeGroups(db, scope, { limit: 2 });
  assert.deepEqual(names(page), ["/ecs/API", "/ecs/web"]);
  assert.deepEqual(names(describeGroups(db, scope, { limit: 2, nextToken: page.nextToken })), ["/lambda/fn", "g"]);
  assert.throws(() => describeGroups(db, scope, { prefix: "a", pattern: "b" }), awsError("InvalidParameterException"));
  assert.throws(() => createGroup(db, store.clock, scope, { name: "/ecs/web" }), awsError("ResourceAlreadyExistsException", "The specified log group already exists"));
});

test("the awslogs driver's deliveries (LogSink.append) publish through the group's metric filters", async () => {
  const { createMetricStore } = await import("../cloudwatch/metrics/metric-store.js");
  const { putMetricFilter } = await import("./metric-filters.js");
  const clock = { now: () => new Date(now) };
  const metrics = createMetricStore({ db, clock, maintenanceMs: 0 });
  const withMetrics = createLogStore({ db, clock, metrics });
  putMetricFilter(db, clock, scope, { logGroupName: "g", filterName: "f", filterPattern: "ERROR", metricTransformations: [{ metricName: "E", metricNamespace: "N", metricValue: "1" }] });
  withMetrics.append(scope, "g", "s", [{ timestamp: now, message: "ERROR a" }, { timestamp: now, message: "ok" }, { timestamp: now + 1, message: "ERROR b" }]);
  const out = metrics.getMetricStatistics(scope, { Namespace: "N", MetricName: "E", StartTime: new Date(now - 60_000), EndTime: new Date(now + 60_000), Period: 60, Statistics: ["Sum"] });
  assert.deepEqual(out.Datapoints?.map((d) => d.Sum), [2]);
  metrics.close();
});

test("metric transformations: selectors and fields for values and dimensions; what is refused", async () => {
  const { compileTransformation } = await import("./metric-transformation.js");
  const { compileFilterPattern } = await import("./filter-pattern/filter-pattern.js");
  const json = compileFilterPattern("{ $.latency > 0 }");
  const t = compileTransformation({ metricName: "L", metricNamespace: "N", metricValue: "$.latency", dimensions: { Path: "$.req.path" } }, json);
  const ev = (o: unknown) => ({ fields: {}, json: () => o });
  assert.equal(t.value(ev({ latency: 12.5, req: { path: "/a" } })), 12.5);
  assert.deepEqual(t.dimensions(ev({ latency: 1, req: { path: "/a" } })), [{ name: "Path", value: "/a" }]);
  assert.equal(t.value(ev({ latency: "fast" })), undefined, "a value that is not a number publishes nothing");
  assert.equal(t.dimensions(ev({ latency: 1 })), undefined, "a missing dimension field publishes nothing");
  const delimited = compileFilterPattern("[ip, status, size]");
  const d = compileTransformation({ metricName: "B", metricNamespace: "N", metricValue: "$size", dimensions: { Status: "$status" } }, delimited);
  assert.equal(d.value({ fields: { $size: "1534" }, json: () => undefined }), 1534);
  const bads: Array<{ metricValue: string; defaultValue?: number; dimensions?: Record<string, string> }> = [
    { metricValue: "$bytes" }, { metricValue: "many" }, { metricValue: "1", dimensions: { A: "literal" } },
    { metricValue: "1", dimensions: { A: "$ip", B: "$ip", C: "$ip", D: "$ip" } }, { metricValue: "1", defaultValue: 0, dimensions: { A: "$ip" } },
  ];
  for (const bad of bads) {
    assert.throws(() => compileTransformation({ metricName: "M", metricNamespace: "N", ...bad }, delimited), (e: ServiceError) => e.code === "InvalidParameterException", JSON.stringify(bad));
  }
});
