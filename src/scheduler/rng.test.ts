import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "./rng.js";

const draw = (seed: number | string, n = 5) => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.next());
};

test("a seed always gives the same sequence; different seeds differ", () => {
  assert.deepEqual(draw(42), draw(42));
  assert.deepEqual(draw("task-group:web"), draw("task-group:web"));
  assert.notDeepEqual(draw(42), draw(43));
  assert.notDeepEqual(draw(1), draw(1 + 2 ** 32), "high bits of a number seed count");
  assert.notDeepEqual(draw("a"), draw("b"));
});

test("draws are in [0, 1) and roughly uniform", () => {
  const r = createRng(7);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    bins[Math.floor(x * 10)]++;
  }
  for (const b of bins) assert.ok(b > 9_000 && b < 11_000, `bin ${b}`);
});
