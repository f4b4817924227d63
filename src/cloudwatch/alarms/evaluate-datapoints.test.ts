import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateDatapoints, evaluationRange, type Datapoint, type TreatMissingData } from "./evaluate-datapoints.js";

/** "0 - X - X" as in the guide: oldest first, 0 not breaching (value 0), X breaching (value 10), - missing. */
function range(pattern: string): Array<Datapoint | undefined> {
  return pattern.split(" ").map((c, i) => (c === "-" ? undefined : { timestamp: new Date(i * 60_000), value: c === "X" ? 10 : 0 }));
}
const treatments: TreatMissingData[] = ["missing", "ignore", "breaching", "notBreaching"];
const decide = (pattern: string, M: number, N: number, treat: TreatMissingData) =>
  evaluateDatapoints(range(pattern), { evaluationPeriods: N, datapointsToAlarm: M, treatMissingData: treat, breaches: (v) => v > 5 }).state ?? "retain";

// The two tables of "How alarm state is evaluated when data is missing" (CloudWatch User Guide),
// columns MISSING, IGNORE, BREACHING, NOT BREACHING.
const threeOfThree: Array<[string, string[]]> = [
  ["0 - X - X", ["OK", "OK", "OK", "OK"]],
  ["0 - - - -", ["OK", "OK", "OK", "OK"]],
  ["- - - - -", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]],
  ["0 X X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
  ["- - X - -", ["ALARM", "retain", "ALARM", "OK"]],
];
const twoOfThree: Array<[string, string[]]> = [
  ["0 - X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
  ["0 0 X 0 X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
  ["0 - X - -", ["OK", "OK", "ALARM", "OK"]],
  ["- - - - 0", ["OK", "OK", "ALARM", "OK"]],
  ["- - - X -", ["ALARM", "retain", "ALARM", "OK"]],
];

test("the evaluation range of a 3-period alarm is 5 datapoints, as in the guide", () => assert.equal(evaluationRange(3), 5));

for (const [pattern, expected] of threeOfThree) {
  test(`3 out of 3, ${pattern}`, () => assert.deepEqual(treatments.map((t) => decide(pattern, 3, 3, t)), expected));
}
for (const [pattern, expected] of twoOfThree) {
  test(`2 out of 3, ${pattern}`, () => assert.deepEqual(treatments.map((t) => decide(pattern, 2, 3, t)), expected));
}

test("a fresh breaching datapoint alone does not alarm prematurely (3 out of 3, missing)", () => {
  assert.equal(decide("- - - - X", 3, 3, "missing"), "INSUFFICIENT_DATA");
  assert.equal(decide("- - - X -", 3, 3, "missing"), "INSUFFICIENT_DATA");
});

test("with enough real datapoints the N most recent are evaluated and reported, oldest first", () => {
  const e = evaluateDatapoints(range("X 0 X - X"), { evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: "breaching", breaches: (v) => v > 5 });
  assert.equal(e.state, "ALARM");
  assert.deepEqual(e.evaluated.map((d) => d.timestamp.getTime()), [60_000, 120_000, 240_000]);
  assert.equal(e.filled, 0);
  assert.equal(e.breaching, 2);
});

test("missing datapoints treated as breaching are counted as filled", () => {
  const e = evaluateDatapoints(range("- - - - -"), { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: "breaching", breaches: (v) => v > 5 });
  assert.deepEqual([e.state, e.filled, e.breaching, e.evaluated.length], ["ALARM", 3, 3, 0]);
});
