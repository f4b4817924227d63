import type { MessageData, MetricDataQuery, MetricStat } from "@aws-sdk/client-cloudwatch";
import { ServiceError } from "../../../core/errors.js";
import { ExpressionError, parse, type Node } from "./parse.js";
import { anomalyBand, type BandOptions } from "../../anomaly/anomaly-band.js";

/** A query's answer: values at period starts (epoch seconds, ascending). */
export interface TimeSeries {
  timestamps: number[];
  values: number[];
  period: number;
  start: number;
  metric?: MetricStat;
}

type Plain = { kind: "scalar"; value: number } | { kind: "series"; series: TimeSeries } | { kind: "array"; items: TimeSeries[] };
type Value = Plain | { kind: "band"; band: BandSeries };

/** ANOMALY_DETECTION_BAND's answer: two series, returned as two results with the query's Id. */
export interface BandSeries {
  upper: TimeSeries;
  lower: TimeSeries;
}

/** What ANOMALY_DETECTION_BAND needs beyond the math: where its answer starts, and its model's settings. */
export interface BandContext {
  /** The range asked for begins here; the range evaluated reaches further back, for training. */
  outputStart: number;
  /** The Configuration (excluded ranges, time zone) of the detector modelling this query, if any. */
  settingsFor(q: MetricDataQuery | undefined): Pick<BandOptions, "excluded" | "utcOffset">;
}

export interface Range {
  start: number;
  end: number;
  period: number;
}

/**
 * Evaluates every Expression query into `series` (beside the MetricStat queries already there).
 * Expressions may use each other; a cycle, an unknown id or function, or a bad argument is
 * CloudWatch's ValidationError naming the expression.
 */
export function evaluateExpressions(queries: MetricDataQuery[], series: Map<string, TimeSeries>, range: Range, bands?: { context: BandContext; out: Map<string, BandSeries> }): Map<string, MessageData[]> {
  const expressions = new Map(queries.filter((q) => q.Expression !== undefined).map((q) => [q.Id!, q]));
  const metricIds = queries.filter((q) => q.MetricStat).map((q) => q.Id!);
  const evaluating = new Set<string>();
  const resolve = (id: string, from: string): Value => {
    if (bands?.out.has(id) && from !== id) throw validation(from, `${id} is an ANOMALY_DETECTION_BAND, which other expressions cannot use`);
    const known = series.get(id);
    if (known) return { kind: "series", series: known };
    const q = expressions.get(id);
    if (!q) throw validation(from, `Unrecognized identifier ${id}`);
    if (evaluating.has(id)) throw validation(from, `Circular reference to ${id}`);
    evaluating.add(id);
    let tree: Node;
    try {
      tree = parse(q.Expression!);
    } catch (err) {
      if (err instanceof ExpressionError) throw validation(id, err.message);
      throw err;
    }
    const period = q.Period ?? range.period;
    const byId = (name: string) => queries.find((x) => x.Id === name);
    const value = new Evaluator(id, { ...range, period }, (name) => resolve(name, id), () => metricIds.map((m) => ({ id: m, series: series.get(m)! })), bands && { ...bands.context, byId }).eval(tree);
    evaluating.delete(id);
    if (value.kind === "band") {
      if (!bands) throw validation(id, "ANOMALY_DETECTION_BAND is not supported here");
      if (from !== id) throw validation(from, `${id} is an ANOMALY_DETECTION_BAND, which other expressions cannot use`);
      bands.out.set(id, value.band);
      series.set(id, value.band.upper);
      return { kind: "series", series: value.band.upper };
    }
    const result = asSeries(value, { ...range, period }, id, q.ReturnData !== false);
    series.set(id, result);
    return { kind: "series", series: result };
  };
  for (const id of expressions.keys()) resolve(id, id);
  return new Map();
}

const validation = (id: string, message: string) => new ServiceError("ValidationError", `Error in expression ${id}: ${message}`);

/** What an expression's result is returned as: a series (a scalar fills every period of the range). */
function asSeries(value: Exclude<Value, { kind: "band" }>, range: Range, id: string, returned: boolean): TimeSeries {
  if (value.kind === "series") return value.series;
  if (value.kind === "scalar") return constant(value.value, range);
  if (!returned) return value.items[0] ?? constant(NaN, range);
  throw validation(id, "The expression returns an array of time series; GetMetricData returns one time series per expression");
}

function periodStarts(range: Range): number[] {
  const out: number[] = [];
  for (let t = range.start; t < range.end; t += range.period) out.push(t);
  return out;
}

function constant(value: number, range: Range): TimeSeries {
  const timestamps = Number.isFinite(value) ? periodStarts(range) : [];
  return { timestamps, values: timestamps.map(() => value), period: range.period, start: range.start };
}

/** Keeps only finite values: CloudWatch returns no datapoint where the math has none (x/0, missing operands). */
function series(timestamps: number[], values: number[], like: { period: number; start: number }): TimeSeries {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    if (Number.isFinite(values[i])) {
      t.push(timestamps[i]!);
      v.push(values[i]!);
    }
  }
  return { timestamps: t, values: v, period: like.period, start: like.start };
}

const OPERATORS: Record<string, (a: number, b: number) => number> = {
  "+": (a, b) => a + b, "-": (a, b) => a - b, "*": (a, b) => a * b, "/": (a, b) => a / b, "^": (a, b) => a ** b,
  "<": (a, b) => +(a < b), ">": (a, b) => +(a > b), "<=": (a, b) => +(a <= b), ">=": (a, b) => +(a >= b),
  "==": (a, b) => +(a === b), "!=": (a, b) => +(a !== b), "&&": (a, b) => +(a !== 0 && b !== 0), "||": (a, b) => +(a !== 0 || b !== 0),
};

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
/** Population standard deviation, as CloudWatch's STDDEV. */
const stddev = (v: number[]) => {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};
const REDUCERS: Record<string, (v: number[]) => number> = {
  SUM: (v) => v.reduce((a, b) => a + b, 0), AVG: mean, MIN: (v) => Math.min(...v), MAX: (v) => Math.max(...v), STDDEV: stddev,
};
const ELEMENTWISE: Record<string, (x: number) => number> = { ABS: Math.abs, CEIL: Math.ceil, FLOOR: Math.floor, LOG: Math.log, LOG10: Math.log10, SQRT: Math.sqrt };

class Evaluator {
  constructor(
    private readonly id: string,
    private readonly range: Range,
    private readonly lookup: (name: string) => Value,
    private readonly metrics: () => Array<{ id: string; series: TimeSeries }>,
    private readonly bands?: BandContext & { byId: (id: string) => MetricDataQuery | undefined },
  ) {}

  private fail(message: string): never {
    throw validation(this.id, message);
  }

  eval(node: Node): Value {
    return this.evalNode(node);
  }

  /** An operand: anything but a band, which can only be a whole expression. */
  private inner(node: Node): Plain {
    const value = this.evalNode(node);
    if (value.kind === "band") this.fail("ANOMALY_DETECTION_BAND can only be the whole expression, not part of one");
    return value;
  }

  private evalNode(node: Node): Value {
    switch (node.kind) {
      case "number": return { kind: "scalar", value: node.value };
      case "string": return this.fail(`Unexpected string '${node.value}'`);
      case "name": return this.lookup(node.name);
      case "array": return { kind: "array", items: node.items.flatMap((n) => this.seriesList(this.inner(n))) };
      case "unary": return this.map(this.inner(node.operand), (x) => -x);
      case "binary": return this.binary(OPERATORS[node.op]!, this.inner(node.left), this.inner(node.right));
      case "call": return this.call(node.name, node.args);
    }
  }

  private seriesList(v: Plain): TimeSeries[] {
    if (v.kind === "scalar") this.fail("An array can hold only time series");
    return v.kind === "array" ? v.items : [v.series];
  }

  private map(v: Plain, f: (x: number) => number): Plain {
    if (v.kind === "scalar") return { kind: "scalar", value: f(v.value) };
    const one = (s: TimeSeries) => series(s.timestamps, s.values.map(f), s);
    return v.kind === "series" ? { kind: "series", series: one(v.series) } : { kind: "array", items: v.items.map(one) };
  }

  /** Two series combine where both have a value at the same timestamp; arrays combine item by item with a scalar or series. */
  private binary(op: (a: number, b: number) => number, a: Plain, b: Plain): Plain {
    if (a.kind === "scalar" && b.kind === "scalar") return { kind: "scalar", value: op(a.value, b.value) };
    if (a.kind === "scalar") return this.map(b, (x) => op(a.value, x));
    if (b.kind === "scalar") return this.map(a, (x) => op(x, b.value));
    if (a.kind === "array" && b.kind === "array") return this.fail("Both operands are arrays of time series");
    if (a.kind === "array") return { kind: "array", items: a.items.map((s) => join(op, s, (b as { series: TimeSeries }).series)) };
    if (b.kind === "array") return { kind: "array", items: b.items.map((s) => join(op, a.series, s)) };
    return { kind: "series", series: join(op, a.series, b.series) };
  }

  private call(name: string, args: Node[]): Value {
    const arity = (min: number, max = min) => {
      if (args.length < min || args.length > max) this.fail(`${name} takes ${min === max ? min : `${min} to ${max}`} arguments, not ${args.length}`);
    };
    if (name in ELEMENTWISE) {
      arity(1);
      return this.map(this.inner(args[0]!), ELEMENTWISE[name]!);
    }
    if (name in REDUCERS) {
      arity(1);
      return this.reduce(this.inner(args[0]!), REDUCERS[name]!);
    }
    switch (name) {
      case "METRICS": {
        arity(0, 1);
        const filter = args[0] ? (args[0].kind === "string" ? args[0].value : this.fail("METRICS takes a string")) : "";
        return { kind: "array", items: this.metrics().filter((m) => m.id.includes(filter)).map((m) => m.series) };
      }
      case "FILL": {
        arity(2);
        const target = this.inner(args[0]!);
        const how = args[1]!;
        const fill = (s: TimeSeries) => this.fill(s, how);
        if (target.kind === "scalar") return this.fail("FILL takes a time series or an array of time series");
        return target.kind === "series" ? { kind: "series", series: fill(target.series) } : { kind: "array", items: target.items.map(fill) };
      }
      case "IF": {
        arity(2, 3);
        return this.condition(this.inner(args[0]!), this.inner(args[1]!), args[2] ? this.inner(args[2]) : undefined);
      }
      case "RATE":
      case "DIFF":
      case "DIFF_TIME": {
        arity(1);
        const f = (s: TimeSeries) => {
          const t: number[] = [];
          const v: number[] = [];
          for (let i = 1; i < s.timestamps.length; i++) {
            const dt = s.timestamps[i]! - s.timestamps[i - 1]!;
            const dv = s.values[i]! - s.values[i - 1]!;
            t.push(s.timestamps[i]!);
            v.push(name === "RATE" ? dv / dt : name === "DIFF" ? dv : dt);
          }
          return series(t, v, s);
        };
        const v = this.inner(args[0]!);
        if (v.kind === "scalar") return this.fail(`${name} takes a time series or an array of time series`);
        return v.kind === "series" ? { kind: "series", series: f(v.series) } : { kind: "array", items: v.items.map(f) };
      }
      case "PERIOD": {
        arity(1);
        const v = this.inner(args[0]!);
        if (v.kind === "scalar") return this.fail("PERIOD takes a time series");
        return { kind: "scalar", value: (v.kind === "series" ? v.series : v.items[0])?.period ?? this.range.period };
      }
      case "DATAPOINT_COUNT": {
        arity(1);
        const v = this.inner(args[0]!);
        if (v.kind !== "series") return this.fail("DATAPOINT_COUNT takes a time series");
        return { kind: "scalar", value: v.series.values.length };
      }
      case "ANOMALY_DETECTION_BAND": {
        arity(1, 2);
        if (!this.bands) return this.fail("ANOMALY_DETECTION_BAND is not supported here");
        const v = this.inner(args[0]!);
        if (v.kind !== "series") return this.fail(`Unsupported operand type(s) for ANOMALY_DETECTION_BAND: the first argument must be one time series`);
        const width = args[1] ? this.inner(args[1]) : { kind: "scalar" as const, value: 2 };
        if (width.kind !== "scalar" || !(width.value > 0)) return this.fail("ANOMALY_DETECTION_BAND's second argument must be a positive number of standard deviations");
        const history = v.series;
        // The band is answered from the first of the argument's periods in the range asked for.
        const first = history.start + Math.max(0, Math.ceil((this.bands.outputStart - history.start) / history.period)) * history.period;
        const targets = periodStarts({ start: first, end: this.range.end, period: history.period });
        const query = args[0]!.kind === "name" ? this.bands.byId(args[0]!.name) : undefined;
        const b = anomalyBand(history, targets, { period: history.period, stddevs: width.value, ...this.bands.settingsFor(query) });
        const like = { period: history.period, start: this.bands.outputStart };
        return { kind: "band", band: { upper: series(b.timestamps, b.upper, like), lower: series(b.timestamps, b.lower, like) } };
      }
      case "TIME_SERIES": {
        arity(1);
        const v = this.inner(args[0]!);
        if (v.kind !== "scalar") return this.fail("TIME_SERIES takes a scalar");
        return { kind: "series", series: constant(v.value, this.range) };
      }
    }
    return this.fail(`Unknown function ${name}`);
  }

  /** Over an array: one series, the function at each timestamp of the values there. Over one series: a scalar. */
  private reduce(v: Plain, f: (values: number[]) => number): Plain {
    if (v.kind === "scalar") return v;
    if (v.kind === "series") return { kind: "scalar", value: v.series.values.length ? f(v.series.values) : NaN };
    const at = new Map<number, number[]>();
    for (const s of v.items) s.timestamps.forEach((t, i) => (at.get(t) ?? at.set(t, []).get(t)!).push(s.values[i]!));
    const timestamps = [...at.keys()].sort((a, b) => a - b);
    const like = v.items[0] ?? { period: this.range.period, start: this.range.start };
    return { kind: "series", series: series(timestamps, timestamps.map((t) => f(at.get(t)!)), like) };
  }

  /** FILL: every period of the range gets a value; missing ones the constant, the previous value (REPEAT) or the line between neighbours (LINEAR). */
  private fill(s: TimeSeries, how: Node): TimeSeries {
    const range = { ...this.range, start: s.start, period: s.period };
    const all = periodStarts(range);
    const known = new Map(s.timestamps.map((t, i) => [t, s.values[i]!]));
    const mode = how.kind === "name" && ["REPEAT", "LINEAR"].includes(how.name.toUpperCase()) ? how.name.toUpperCase() : undefined;
    let constantValue: Plain | undefined;
    if (!mode) {
      constantValue = this.inner(how);
      if (constantValue.kind === "array") this.fail("FILL's value must be a number, a time series, REPEAT or LINEAR");
    }
    const values = all.map((t, i) => {
      const v = known.get(t);
      if (v !== undefined) return v;
      if (constantValue?.kind === "scalar") return constantValue.value;
      if (constantValue?.kind === "series") {
        const j = constantValue.series.timestamps.indexOf(t);
        return j >= 0 ? constantValue.series.values[j]! : NaN;
      }
      const before = [...all.slice(0, i)].reverse().find((x) => known.has(x));
      if (mode === "REPEAT") return before === undefined ? NaN : known.get(before)!;
      const after = all.slice(i + 1).find((x) => known.has(x));
      if (before === undefined || after === undefined) return NaN;
      return known.get(before)! + ((known.get(after)! - known.get(before)!) * (t - before)) / (after - before);
    });
    return series(all, values, s);
  }

  /** IF(condition, a, b): a where the condition is non-zero, else b (or no value without b). */
  private condition(cond: Plain, a: Plain, b: Plain | undefined): Plain {
    const valueAt = (v: Plain | undefined, t: number): number => {
      if (v === undefined) return NaN;
      if (v.kind === "scalar") return v.value;
      if (v.kind === "array") this.fail("IF takes time series or scalars");
      const i = v.series.timestamps.indexOf(t);
      return i >= 0 ? v.series.values[i]! : NaN;
    };
    if (cond.kind === "scalar") return cond.value !== 0 ? a : b ?? { kind: "scalar", value: NaN };
    if (cond.kind === "array") return this.fail("IF's condition must be a time series or a scalar");
    const s = cond.series;
    return { kind: "series", series: series(s.timestamps, s.timestamps.map((t, i) => valueAt(s.values[i] !== 0 ? a : b, t)), s) };
  }
}

function join(op: (a: number, b: number) => number, a: TimeSeries, b: TimeSeries): TimeSeries {
  const other = new Map(b.timestamps.map((t, i) => [t, b.values[i]!]));
  const t: number[] = [];
  const v: number[] = [];
  a.timestamps.forEach((ts, i) => {
    const y = other.get(ts);
    if (y !== undefined) {
      t.push(ts);
      v.push(op(a.values[i]!, y));
    }
  });
  return series(t, v, a);
}
