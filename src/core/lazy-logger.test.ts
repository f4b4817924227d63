import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import type { FastifyBaseLogger } from "fastify";
import { lazyChild } from "./lazy-logger.js";

function capture(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { log: pino({ level, base: undefined, redact: { paths: ["*.authorization"], remove: true } }, stream) as unknown as FastifyBaseLogger, lines };
}

test("a lazy child logs with every binding of its chain, as pino's own child does", () => {
  const { log, lines } = capture();
  const request = lazyChild(log, { reqId: "req-1" });
  request.child({ op: "DescribeClusters", requestId: "r-1" }).warn({ detail: { authorization: "secret", n: 1 } }, "something");
  assert.equal(lines.length, 1);
  assert.deepEqual({ ...lines[0], time: undefined }, { level: 40, time: undefined, reqId: "req-1", op: "DescribeClusters", requestId: "r-1", detail: { n: 1 }, msg: "something" });
});

test("no pino child is made until something is logged, and one at most", () => {
  const { log, lines } = capture();
  let made = 0;
  const counting = Object.assign(Object.create(log), { child: (...args: Parameters<FastifyBaseLogger["child"]>) => (made++, log.child(...args)) });
  const lazy = lazyChild(counting, { reqId: "req-2" });
  assert.equal(made, 0);
  assert.equal(lazy.level, "info");
  lazy.debug("below the level: written nowhere");
  lazy.info("one");
  lazy.error(new Error("two"));
  assert.equal(made, 1);
  assert.deepEqual(lines.map((l) => [l.level, l.reqId, l.msg]), [[30, "req-2", "one"], [50, "req-2", "two"]]);
});

test("a lazy child's level follows its options, then its parent", () => {
  const { log, lines } = capture("warn");
  assert.equal(lazyChild(log, {}).level, "warn");
  const verbose = lazyChild(log, { c: 1 }, { level: "debug" });
  assert.equal(verbose.level, "debug");
  verbose.debug("shown");
  assert.deepEqual(lines.map((l) => l.msg), ["shown"]);
});
