import type { GetMetricDataInput, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { MetricQueries } from "../metrics/metric-queries.js";
import type { AlarmStore } from "./alarm-store.js";
import type { AlarmTransitions } from "./alarm-transitions.js";
import { evaluateDatapoints, evaluationRange, type AlarmState, type Datapoint, type Evaluation } from "./evaluate-datapoints.js";
import { alarmPeriod } from "./metric-alarm-input.js";
import { stateReason, stateReasonData } from "./state-reason.js";

const BREACHES: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};
/** Anomaly detection alarms: the datapoint against its band. */
const BAND_BREACHES: Record<string, (v: number, b: { lower: number; upper: number }) => boolean> = {
  LessThanLowerOrGreaterThanUpperThreshold: (v, b) => v < b.lower || v > b.upper,
  LessThanLowerThreshold: (v, b) => v < b.lower,
  GreaterThanUpperThreshold: (v, b) => v > b.upper,
};

export interface EvaluatorOptions {
  store: AlarmStore;
  transitions: AlarmTransitions;
  queries: MetricQueries;
  clock: Clock;
  log: Logger;
  /** metricPeriodScale: every period, and the cadence, this many times shorter (1: AWS's). */
  periodScale: number;
}

/**
 * Evaluates metric alarms as CloudWatch does: every minute, or every 10 seconds for alarms with a
 * period under a minute (both divided by the period scale). Each evaluation reads the evaluation
 * range through MetricQueries (GetMetricData's semantics), decides with evaluateDatapoints, and
 * changes the state when the decision differs.
 */
export class AlarmEvaluator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** When each alarm (by ARN) was last evaluated, epoch ms. */
  private readonly lastEvaluated = new Map<string, number>();

  constructor(private readonly o: EvaluatorOptions) {}

  start(): void {
    if (this.timer) return;
    const tickMs = Math.max(10_000 / this.o.periodScale, 250);
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over every alarm that is due; a pass never overlaps the previous one. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.evaluateDue().finally(() => (this.running = undefined));
    return this.running;
  }

  private async evaluateDue(): Promise<void> {
    const now = this.o.clock.now().getTime();
    for (const { scope, stored } of this.o.store.all()) {
      if (stored.type !== "MetricAlarm") continue;
      const a = stored.alarm;
      const cadence = ((alarmPeriod(a) < 60 ? 10 : 60) * 1000) / this.o.periodScale;
      const last = this.lastEvaluated.get(a.AlarmArn!);
      // Once per cadence, on its boundaries: the first tick after a period ends reads it complete.
      if (last !== undefined && Math.floor(now / cadence) === Math.floor(last / cadence)) continue;
      this.lastEvaluated.set(a.AlarmArn!, now);
      try {
        await this.evaluate(scope, a);
      } catch (err) {
        this.o.log.error({ err, alarm: a.AlarmArn }, "could not evaluate an alarm");
      }
    }
  }

  /** Evaluates one metric alarm now. */
  async evaluate(scope: Scope, a: MetricAlarm): Promise<void> {
    const now = this.o.clock.now();
    const periodMs = (alarmPeriod(a) * 1000) / this.o.periodScale;
    const N = a.EvaluationPeriods!;
    // Complete periods only: the range ends where the current period begins.
    const end = Math.floor(now.getTime() / periodMs) * periodMs;
    const slots = evaluationRange(N);
    const start = end - slots * periodMs;
    const { points, training } = this.read(scope, a, new Date(start), new Date(end), periodMs / 1000);
    const range: Array<Datapoint | undefined> = Array.from({ length: slots }, () => undefined);
    for (const p of points) {
      const i = Math.floor((p.timestamp.getTime() - start) / periodMs);
      if (i >= 0 && i < slots) range[i] = p;
    }
    const threshold = a.Threshold!;
    const band = BAND_BREACHES[a.ComparisonOperator!];
    const breaches = BREACHES[a.ComparisonOperator!];
    // While the anomaly detection model trains (no band anywhere in the range) the alarm cannot decide.
    const e: Evaluation = training
      ? { state: "INSUFFICIENT_DATA", evaluated: [], filled: 0, breaching: 0 }
      : evaluateDatapoints(range, {
          evaluationPeriods: N,
          datapointsToAlarm: a.DatapointsToAlarm ?? N,
          treatMissingData: (a.TreatMissingData ?? "missing") as "missing",
          breaches: (v, d) => (band ? band(v, d.band!) : breaches!(v, threshold)),
        });
    const current = a.StateValue as AlarmState;
    const recent = range.filter((d): d is Datapoint => d !== undefined).reverse();
    const data = stateReasonData(a, e, now, new Date(start), alarmPeriod(a), recent);
    if (e.state === undefined || e.state === current) {
      // Auto Scaling actions run again for every period the alarm stays in their state, with this evaluation's datapoints.
      const stored = this.o.store.get(scope, a.AlarmName!);
      if (stored) await this.o.transitions.repeatAutoScaling(scope, stored, data);
      return;
    }
    const reason = stateReason(a, current, e.state, e);
    await this.o.transitions.change(scope, a.AlarmName!, e.state, reason, data);
  }

  /**
   * The alarm's datapoints in [start, end): its metric's statistic, or its Metrics' returned result.
   * An anomaly detection alarm's datapoints are those where its band has a value too, each with
   * its band; `training` when the band has none in the whole range.
   */
  private read(scope: Scope, a: MetricAlarm, start: Date, end: Date, period: number): { points: Datapoint[]; training: boolean } {
    const queries: GetMetricDataInput["MetricDataQueries"] = a.Metrics
      ? a.Metrics.map((m) => ({
          ...m,
          ...(m.MetricStat ? { MetricStat: { ...m.MetricStat, Period: period } } : {}),
          ...(m.Period !== undefined ? { Period: period } : {}),
        }))
      : [
          {
            Id: "m1",
            MetricStat: {
              Metric: { Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions },
              Period: period,
              Stat: a.Statistic ?? a.ExtendedStatistic,
              Unit: a.Unit,
            },
            ReturnData: true,
          },
        ];
    const returned = queries.find((q) => q.ReturnData !== false && q.Id !== a.ThresholdMetricId)!.Id;
    const out = this.o.queries.getMetricData(scope, { MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: "TimestampAscending" });
    const result = out.MetricDataResults?.find((r) => r.Id === returned);
    const ts = result?.Timestamps ?? [];
    const values = result?.Values ?? [];
    const points = ts.map((t, i) => ({ timestamp: new Date(t), value: values[i]! })).filter((d) => Number.isFinite(d.value));
    if (a.ThresholdMetricId === undefined) return { points, training: false };
    // The band is two results with its Id: the upper bound, then the lower (get-metric-data.ts).
    const [upper, lower] = out.MetricDataResults?.filter((r) => r.Id === a.ThresholdMetricId) ?? [];
    const at = (r: typeof upper, t: Date) => {
      const i = r?.Timestamps?.findIndex((x) => new Date(x).getTime() === t.getTime()) ?? -1;
      return i >= 0 ? r!.Values![i] : undefined;
    };
    const banded: Datapoint[] = [];
    for (const p of points) {
      const [u, l] = [at(upper, p.timestamp), at(lower, p.timestamp)];
      if (u !== undefined && l !== undefined) banded.push({ ...p, band: { lower: l, upper: u } });
    }
    return { points: banded, training: (upper?.Values?.length ?? 0) === 0 };
  }
}
