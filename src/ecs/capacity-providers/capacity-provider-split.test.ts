import { test } from "node:test";
import assert from "node:assert/strict";
import { groupByProvider, splitByStrategy, validateStrategy } from "./capacity-provider-split.js";

const tally = (names: string[]) => Object.fromEntries(groupByProvider(names).map((g) => [g.provider, g.count]));

test("weights 1 and 1 split evenly once the base is met (the API reference's first example)", () => {
  assert.deepEqual(tally(splitByStrategy([{ capacityProvider: "A", weight: 1 }, { capacityProvider: "B", weight: 1 }], 6)), { A: 3, B: 3 });
});

test("weights 1 and 4: four tasks on B for every one on A (the API reference's second example)", () => {
  const s = [{ capacityProvider: "A", weight: 1 }, { capacityProvider: "B", weight: 4 }];
  assert.deepEqual(tally(splitByStrategy(s, 5)), { A: 1, B: 4 });
  assert.deepEqual(tally(splitByStrategy(s, 10)), { A: 2, B: 8 });
});

test("the base goes first, the rest by weight: FARGATE base 1 weight 1 + FARGATE_SPOT weight 3, 5 tasks", () => {
  const s = [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 3 }];
  const split = splitByStrategy(s, 5);
  assert.equal(split[0], "FARGATE", "the base task is the first one");
  assert.deepEqual(tally(split), { FARGATE: 2, FARGATE_SPOT: 3 });
  // One task only: the base.
  assert.deepEqual(splitByStrategy(s, 1), ["FARGATE"]);
});

test("a base on a provider with weight 0 takes only the base", () => {
  const s = [{ capacityProvider: "A", base: 2, weight: 0 }, { capacityProvider: "B", weight: 1 }];
  assert.deepEqual(tally(splitByStrategy(s, 5)), { A: 2, B: 3 });
});

test("existing tasks count: a service replacing one task keeps its split", () => {
  const s = [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 3 }];
  // FARGATE_SPOT lost one of its three tasks.
  assert.deepEqual(splitByStrategy(s, 1, { FARGATE: 2, FARGATE_SPOT: 2 }), ["FARGATE_SPOT"]);
  // The base task was lost.
  assert.deepEqual(splitByStrategy(s, 1, { FARGATE: 0, FARGATE_SPOT: 3 }), ["FARGATE"]);
});

test("a lone provider takes every task whatever its weight", () => {
  assert.deepEqual(splitByStrategy([{ capacityProvider: "FARGATE_SPOT" }], 3), ["FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT"]);
});

test("strategy validation: one base, some weight, no duplicates", () => {
  assert.throws(() => validateStrategy([{ capacityProvider: "A", base: 1, weight: 1 }, { capacityProvider: "B", base: 1, weight: 1 }]), /Only one capacity provider/);
  assert.throws(() => validateStrategy([{ capacityProvider: "A" }, { capacityProvider: "B" }]), /weight greater than zero/);
  assert.throws(() => validateStrategy([{ capacityProvider: "A", weight: 1 }, { capacityProvider: "A", weight: 1 }]), /duplicate/);
  validateStrategy([{ capacityProvider: "A" }]);
});
