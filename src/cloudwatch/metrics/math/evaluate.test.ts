import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { evaluateExpressions, type TimeSeries } from "./evaluate.js";
import { parse } from "./parse.js";

/**
 * Metric math against the examples of AWS's "Using metric math" guide (error rate as a
 * percentage, SUM(METRICS()), FILL, IF, RATE, ...), on small series whose answers are worked
 * out by hand. Periods are 60 s from t = 0.
 */

const range = { start: 0, end: 300, period: 60 };
const ts = (points: Array<[number, number]>): TimeSeries => ({ timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]), period: 60, start: 0 });
/** Two metrics, m1 (errors) missing a period, m2 (requests). */
const metrics = () => new Map([
  ["errors", ts([[0, 1], [60, 2], [180, 4]])],
  ["requests", ts([[0, 10], [60, 40], [120, 20], [180, 16]])],
]);
const stat = { Metric: { Namespace: "N", MetricName: "M" }, Period: 60, Stat: "Sum" };

function run(expression: string, extra: MetricDataQuery[] = []): Array<[number, number]> {
  const series = metrics();
  const queries: MetricDataQuery[] = [{ Id: "errors", MetricStat: stat }, { Id: "requests", MetricStat: stat }, ...extra, { Id: "e", Expression: expression }];
  evaluateExpressions(queries, series, range);
  const s = series.get("e")!;
  return s.timestamps.map((t, i) => [t, s.values[i]!]);
}

test("arithmetic between series joins on timestamps: the error rate 100 * errors / requests", () => {
  assert.deepEqual(run("100 * errors / requests"), [[0, 10], [60, 5], [180, 25]]);
  assert.deepEqual(run("errors + requests"), [[0, 11], [60, 42], [180, 20]]);
  assert.deepEqual(run("requests - errors * 2"), [[0, 8], [60, 36], [180, 8]]);
  assert.deepEqual(run("errors ^ 2"), [[0, 1], [60, 4], [180, 16]]);
  assert.deepEqual(run("-errors"), [[0, -1], [60, -2], [180, -4]]);
  assert.deepEqual(run("2 ^ 3 ^ 2"), [0, 60, 120, 180, 240].map((t) => [t, 512]));
});

test("functions over arrays: SUM(METRICS()), AVG([errors, requests]), MAX, MIN, STDDEV", () => {
  assert.deepEqual(run("SUM(METRICS())"), [[0, 11], [60, 42], [120, 20], [180, 20]]);
  assert.deepEqual(run("AVG([errors, requests])"), [[0, 5.5], [60, 21], [120, 20], [180, 10]]);
  assert.deepEqual(run("MAX(METRICS('err'))"), [[0, 1], [60, 2], [180, 4]]);
  assert.deepEqual(run("MIN(METRICS())"), [[0, 1], [60, 2], [120, 20], [180, 4]]);
  assert.deepEqual(run("STDDEV([errors, requests])"), [[0, 4.5], [60, 19], [120, 0], [180, 6]]);
  // Over one series they are scalars, returned for every period of the range.
  assert.deepEqual(run("AVG(requests)"), [0, 60, 120, 180, 240].map((t) => [t, 21.5]));
  assert.deepEqual(run("requests - AVG(requests)"), [[0, -11.5], [60, 18.5], [120, -1.5], [180, -5.5]]);
  // An array times a scalar stays an array; summed it is one series.
  assert.deepEqual(run("SUM(METRICS() * 2)"), [[0, 22], [60, 84], [120, 40], [180, 40]]);
});

test("FILL with a value, REPEAT and LINEAR fills every period of the range", () => {
  assert.deepEqual(run("FILL(errors, 0)"), [[0, 1], [60, 2], [120, 0], [180, 4], [240, 0]]);
  assert.deepEqual(run("FILL(errors, REPEAT)"), [[0, 1], [60, 2], [120, 2], [180, 4], [240, 4]]);
  assert.deepEqual(run("FILL(errors, LINEAR)"), [[0, 1], [60, 2], [120, 3], [180, 4]]);
  assert.deepEqual(run("SUM(FILL(METRICS(), 0))"), [[0, 11], [60, 42], [120, 20], [180, 20], [240, 0]]);
});

test("IF with comparisons, AND/OR, RATE, DIFF, PERIOD, ABS, CEIL, FLOOR", () => {
  assert.deepEqual(run("IF(requests > 15, 1, 0)"), [[0, 0], [60, 1], [120, 1], [180, 1]]);
  assert.deepEqual(run("IF(requests >= 20 AND requests != 40, requests)"), [[120, 20]]);
  assert.deepEqual(run("IF(requests < 11 || requests == 40, errors, requests)"), [[0, 1], [60, 2], [120, 20], [180, 16]]);
  assert.deepEqual(run("RATE(requests)"), [[60, 30 / 60], [120, -20 / 60], [180, -4 / 60]]);
  assert.deepEqual(run("DIFF(requests)"), [[60, 30], [120, -20], [180, -4]]);
  assert.deepEqual(run("requests / PERIOD(requests)"), [[0, 10 / 60], [60, 40 / 60], [120, 20 / 60], [180, 16 / 60]]);
  assert.deepEqual(run("ABS(DIFF(requests))"), [[60, 30], [120, 20], [180, 4]]);
  assert.deepEqual(run("CEIL(requests / 3)"), [[0, 4], [60, 14], [120, 7], [180, 6]]);
  assert.deepEqual(run("FLOOR(requests / 3)"), [[0, 3], [60, 13], [120, 6], [180, 5]]);
});

test("expressions build on expressions; division by zero leaves no datapoint", () => {
  assert.deepEqual(run("rate * 2", [{ Id: "rate", Expression: "errors / requests", ReturnData: false }]), [[0, 0.2], [60, 0.1], [180, 0.5]]);
  assert.deepEqual(run("errors / (requests - requests)"), []);
});

test("unknown functions, unknown ids, cycles and syntax errors are ValidationErrors naming the expression", () => {
  const fails = (expression: string, message: RegExp, extra: MetricDataQuery[] = []) =>
    assert.throws(() => run(expression, extra), (err: Error & { code?: string }) => err.name === "ValidationError" && message.test(err.message));
  fails("FOO(errors)", /Error in expression e: Unknown function FOO/);
  fails("errors + nothing", /Unrecognized identifier nothing/);
  fails("a", /Circular reference/, [{ Id: "a", Expression: "e + 1" }]);
  fails("errors +", /Unexpected end of expression/);
  fails("(errors", /Expected '\)'/);
  fails("METRICS()", /array of time series/);
  fails("FILL(errors)", /FILL takes 2 arguments/);
});

test("the parser keeps precedence: comparisons below arithmetic, AND below comparisons", () => {
  assert.deepEqual(parse("a + b * c > 2 AND d"), {
    kind: "binary", op: "&&",
    left: { kind: "binary", op: ">", left: { kind: "binary", op: "+", left: { kind: "name", name: "a" }, right: { kind: "binary", op: "*", left: { kind: "name", name: "b" }, right: { kind: "name", name: "c" } } }, right: { kind: "number", value: 2 } },
    right: { kind: "name", name: "d" },
  });
});

test("ANOMALY_DETECTION_BAND: the upper and lower bounds from the range asked for, trained on the history before it", () => {
  // 20 periods of history at 10 before t = 1200, then the range asked for: [1200, 1500).
  const history = ts([...Array.from({ length: 20 }, (_, i): [number, number] => [i * 60, 10]), [1200, 10], [1260, 90]]);
  const series = new Map([["m1", history]]);
  const queries: MetricDataQuery[] = [{ Id: "m1", MetricStat: stat }, { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 3)" }];
  const out = new Map();
  evaluateExpressions(queries, series, { start: 0, end: 1500, period: 60 }, { context: { outputStart: 1200, settingsFor: () => ({}) }, out });
  const band = out.get("ad1")!;
  assert.deepEqual(band.upper.timestamps, [1200, 1260, 1320, 1380, 1440]);
  assert.deepEqual(band.lower.timestamps, band.upper.timestamps);
  // The 90 at 1260 is outside the band at 1260, which knows only the 10s before it.
  assert.ok(band.upper.values[1] < 90 && band.lower.values[1] < 10 && band.upper.values[1] > 10);
  // A band is a whole expression, never an operand; without a band context it is not available.
  assert.throws(() => evaluateExpressions([...queries.slice(0, 1), { Id: "e", Expression: "ANOMALY_DETECTION_BAND(m1) * 2" }], new Map([["m1", history]]), range, { context: { outputStart: 0, settingsFor: () => ({}) }, out: new Map() }), /ANOMALY_DETECTION_BAND can only be the whole expression/);
  assert.throws(() => evaluateExpressions([...queries.slice(0, 1), { Id: "e", Expression: "ANOMALY_DETECTION_BAND(m1)" }], new Map([["m1", history]]), range), /ANOMALY_DETECTION_BAND is not supported here/);
  assert.throws(() => evaluateExpressions([...queries, { Id: "e", Expression: "ad1 + 1" }], new Map([["m1", history]]), range, { context: { outputStart: 0, settingsFor: () => ({}) }, out: new Map() }), /is an ANOMALY_DETECTION_BAND/);
});
