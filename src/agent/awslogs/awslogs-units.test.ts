import { test } from "node:test";
import assert from "node:assert/strict";
import { RE2JS } from "re2js";
import { datetimeFormatToRegex } from "./datetime-format.js";
import { LAST_CHUNK, LogEventBuilder, eventPosition, splitUtf8, type ShippedEvent } from "./log-event-builder.js";
import { nextBatch } from "./log-batches.js";
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES } from "./log-limits.js";
import { NOTHING, PositionCounter, decodePosition, encodePosition, isShipped, parseEngineTime, sinceOf } from "./log-position.js";
import { awslogsConfig, awslogsStreamName, parseBufferSize, LoggerArgsError } from "./awslogs-config.js";
import { EngineLogReader } from "./engine-log-reader.js";

const matches = (format: string, line: string) => RE2JS.compile(`^${datetimeFormatToRegex(format)}`).matcher(line).find();

test("datetime formats become the regular expressions Docker's awslogs driver uses", () => {
  assert.equal(datetimeFormatToRegex("%Y-%m-%d"), String.raw`\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[1,2][0-9]|3[0,1])`);
  assert.ok(matches("%Y-%m-%d %H:%M:%S", "2024-05-01 12:34:56 started"));
  assert.ok(!matches("%Y-%m-%d %H:%M:%S", "  at com.example.Main(Main.java:3)"));
  assert.ok(!matches("%Y-%m-%d", "2024-13-01 month 13"));
  assert.ok(matches(String.raw`\[%b %d, %Y %H:%M:%S\]`, "[May 01, 2024 23:59:59] x"), "the rest of the format is regex syntax, as in Docker");
  assert.ok(matches("%a %b %d %H:%M:%S%L %Z %Y", "Wed May 01 12:34:56.789 PST 2024"), "%Z is Docker's [A-Z]{1,4}T");
  assert.ok(!matches("%Z %Y", "UTC 2024"), "which UTC does not match, as in Docker");
  assert.ok(matches("%I:%M %p", "11:05 PM"));
  assert.ok(matches("%y%j %z", "24366 +0200"));
  assert.ok(!matches("%y%j", "24367"));
  assert.equal(datetimeFormatToRegex("%Q %%"), "%Q %%", "unknown directives stay as they are");
});

/** The streams' positions after line i (all on stdout). */
const pos = (i: number) => `${encodePosition({ ns: BigInt(1_700_000_000_000 + i) * 1_000_000n, n: 1 })}|${NOTHING}`;

function build(pattern: string | undefined, lines: string[]): { events: ShippedEvent[]; builder: LogEventBuilder } {
  const events: ShippedEvent[] = [];
  const builder = new LogEventBuilder(pattern, (e) => events.push(e));
  lines.forEach((text, i) => builder.line({ timestamp: 1_700_000_000_000 + i, position: pos(i), text }));
  return { events, builder };
}

test("without a pattern each non-empty line is an event", () => {
  const { events } = build(undefined, ["one", "", "two"]);
  assert.deepEqual(events.map((e) => e.message), ["one", "two"]);
  assert.equal(events[1]!.timestamp, 1_700_000_000_002);
  assert.equal(events[1]!.position, eventPosition(pos(2), LAST_CHUNK));
});

test("a multiline pattern joins lines that do not start an event to the one before, as Docker does", () => {
  const { events, builder } = build("^INFO|^ERROR".replace(/\^/g, ""), ["INFO a", "ERROR b", "  at x", "  at y", "INFO c", "trailing"]);
  assert.deepEqual(events.map((e) => e.message), ["INFO a\n", "ERROR b\n  at x\n  at y\n"]);
  assert.equal(events[1]!.timestamp, 1_700_000_000_001, "an event has its first line's time");
  assert.ok(builder.pending);
  builder.flush();
  assert.deepEqual(events.slice(2).map((e) => e.message), ["INFO c\ntrailing\n"]);
  assert.equal(events[2]!.position, eventPosition(pos(5), LAST_CHUNK), "its position is its last line's");
  assert.ok(!builder.pending);
});

test("a datetime format joins a stack trace to its log line", () => {
  const { events, builder } = build(`^${datetimeFormatToRegex("%Y-%m-%d %H:%M:%S")}`, ["lead-in", "2024-05-01 10:00:00 boom", "\tat a", "2024-05-01 10:00:01 ok"]);
  builder.flush();
  assert.deepEqual(events.map((e) => e.message), ["lead-in\n", "2024-05-01 10:00:00 boom\n\tat a\n", "2024-05-01 10:00:01 ok\n"]);
});

test("messages longer than one event are split at character boundaries, with positions that order them", () => {
  const long = "é".repeat(MAX_EVENT_BYTES); // two bytes each: two events' worth
  const { events } = build(undefined, [long]);
  assert.equal(events.length, 2);
  assert.ok(events.every((e) => Buffer.byteLength(e.message) <= MAX_EVENT_BYTES));
  assert.equal(events.map((e) => e.message).join(""), long);
  assert.ok(events[0]!.position < events[1]!.position);
  assert.deepEqual(splitUtf8("a€b", 3), ["a", "€", "b"]);
});

test("batches keep to PutLogEvents' limits: 10,000 events, 1,048,576 bytes with 26 per event, 24 hours", () => {
  const small = Array.from({ length: 12_000 }, (_, i) => ({ timestamp: i, message: "x" }));
  assert.deepEqual(nextBatch(small), { count: 10_000, bytes: 10_000 * 27, full: true });
  const big = Array.from({ length: 10 }, () => ({ timestamp: 0, message: "y".repeat(200_000) }));
  const b = nextBatch(big);
  assert.equal(b.count, 5);
  assert.ok(b.bytes <= MAX_BATCH_BYTES && b.full);
  const exact = Array.from({ length: 4 }, () => ({ timestamp: 0, message: "z".repeat(MAX_EVENT_BYTES) }));
  assert.deepEqual(nextBatch(exact), { count: 4, bytes: MAX_BATCH_BYTES, full: false }, "four full-size events are exactly one batch");
  const day = [{ timestamp: 0, message: "a" }, { timestamp: 24 * 3600 * 1000 + 1, message: "b" }];
  assert.equal(nextBatch(day).count, 1);
  assert.deepEqual(nextBatch([{ timestamp: 1, message: "ü" }]), { count: 1, bytes: 28, full: false }, "bytes are UTF-8 bytes");
});

test("positions: engine times to nanoseconds, `since` and back, and resume skips exactly what was shipped", () => {
  const ns = parseEngineTime("2024-05-01T12:00:00.123456789Z")!;
  assert.equal(ns, BigInt(Date.parse("2024-05-01T12:00:00Z")) * 1_000_000n + 123_456_789n);
  assert.equal(parseEngineTime("2024-05-01T12:00:00Z"), BigInt(Date.parse("2024-05-01T12:00:00Z")) * 1_000_000n);
  assert.equal(parseEngineTime("2024-05-01T12:00:00.5+02:00"), BigInt(Date.parse("2024-05-01T10:00:00Z")) * 1_000_000n + 500_000_000n);
  assert.equal(parseEngineTime("garbage"), undefined);
  assert.equal(sinceOf({ ns: 1_700_000_000_000_000_123n, n: 1 }), "1700000000.000000123");
  assert.equal(sinceOf(undefined), "0");
  const p = { ns: 1_700_000_000_000_000_123n, n: 7 };
  assert.deepEqual(decodePosition(encodePosition(p)), p);
  assert.ok(encodePosition({ ns: 9n, n: 2 }) < encodePosition({ ns: 10n, n: 1 }), "positions order as strings");

  // Three lines share one instant; two of them were shipped before the restart.
  const t = 5_000n;
  const resumed = new PositionCounter({ ns: t, n: 2 });
  assert.equal(resumed.next(t), undefined);
  assert.equal(resumed.next(t), undefined);
  assert.deepEqual(resumed.next(t), { ns: t, n: 3 });
  assert.deepEqual(resumed.next(t + 1n), { ns: t + 1n, n: 1 });
  // Each stream has its own position; an event is stored already when neither stream is past the store's.
  const at = (out: number, err: number, chunk = LAST_CHUNK) => eventPosition(`${encodePosition({ ns: BigInt(out), n: 1 })}|${err ? encodePosition({ ns: BigInt(err), n: 1 }) : NOTHING}`, chunk);
  assert.ok(isShipped(at(5, 3), at(5, 3)));
  assert.ok(isShipped(at(4, 3), at(5, 3)));
  assert.ok(isShipped(at(5, 0), at(5, 3)), "a stdout line read before the stored stderr line");
  assert.ok(!isShipped(at(5, 4), at(5, 3)));
  assert.ok(!isShipped(at(6, 3), at(5, 3)));
  assert.ok(!isShipped(at(5, 3, 1), at(5, 3, 0)), "the next chunk of a line stored in part");
  assert.ok(isShipped(at(5, 3, 0), at(5, 3, 1)));
  assert.ok(!isShipped(at(1, 1), undefined));
  const fresh = new PositionCounter(undefined);
  assert.deepEqual(fresh.next(t), { ns: t, n: 1 });
  assert.deepEqual(fresh.next(t), { ns: t, n: 2 });
});

test("the engine's multiplexed and TTY log streams are read entry by entry, across chunk boundaries", () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  const all = Buffer.concat([frame(1, "2024-05-01T12:00:00.000000001Z out é\n"), frame(2, "2024-05-01T12:00:00.000000002Z err\n")]);
  const reader = new EngineLogReader(false);
  const got = [...reader.push(all.subarray(0, 13)), ...reader.push(all.subarray(13, 40)), ...reader.push(all.subarray(40))];
  assert.deepEqual(got.map((e) => [e.stream, e.text]), [["stdout", "out é\n"], ["stderr", "err\n"]]);
  const tty = new EngineLogReader(true);
  const raw = Buffer.from("2024-05-01T12:00:00.000000001Z a\r\n2024-05-01T12:00:00.000000002Z b\n");
  assert.deepEqual([...tty.push(raw.subarray(0, 20)), ...tty.push(raw.subarray(20))].map((e) => e.text), ["a\r\n", "b\n"]);
});

test("awslogs options are read as the Docker driver reads them", () => {
  const def = (options: Record<string, string>) => ({ name: "web", logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", ...options } } });
  const c = awslogsConfig(def({ "awslogs-stream-prefix": "web", "awslogs-create-group": "true" }))!;
  assert.equal(c.createGroup, true);
  assert.equal(awslogsStreamName(c, "app", "0123abcd", "f00d"), "web/app/0123abcd");
  assert.equal(awslogsStreamName(awslogsConfig(def({}))!, "app", "0123abcd", "f00d"), "f00d", "without a prefix: the container id");
  assert.equal(awslogsConfig({ name: "x", logConfiguration: { logDriver: "json-file" } }), undefined);
  assert.equal(awslogsConfig(def({ mode: "non-blocking", "max-buffer-size": "4m" }))!.maxBufferBytes, 4 * 1024 * 1024);
  assert.equal(parseBufferSize("25k"), 25 * 1024);
  assert.equal(parseBufferSize("1.5MiB"), 1.5 * 1024 * 1024);
  assert.equal(parseBufferSize("lots"), undefined);
  assert.throws(() => awslogsConfig(def({ "awslogs-datetime-format": "%Y", "awslogs-multiline-pattern": "^x" })), LoggerArgsError);
  assert.throws(() => awslogsConfig(def({ "max-buffer-size": "4m" })), /only supported with 'mode=non-blocking'/);
  assert.throws(() => awslogsConfig(def({ "awslogs-multiline-pattern": "(" })), LoggerArgsError);
  assert.throws(() => awslogsConfig(def({ mode: "sometimes" })), /logging mode not supported/);
});
