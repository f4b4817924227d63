import type { MetricAlarm, MetricDataQuery, PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { invalidCombination, invalidValue, missingParameter } from "./alarm-errors.js";

const STATIC_OPERATORS = ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"];
const BAND_OPERATORS = ["LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"];
const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"];
/** Percentiles and the trimmed/winsorized statistics: p99, p99.9, tm90, TM(10%:90%), IQM, ... */
const EXTENDED = /^((p|tm|wm|tc|ts)(100|\d{1,2}(\.\d{1,10})?)|(TM|WM|TC|TS|PR)\(\d*(\.\d+)?%?:\d*(\.\d+)?%?\)|IQM)$/;
/** Alarms accept 10, 20 and 30 seconds (high resolution) or any multiple of 60. */
export const isAlarmPeriod = (p: number) => p === 10 || p === 20 || p === 30 || (p >= 60 && p % 60 === 0);
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;
const ID = /^[a-z][a-zA-Z0-9_]*$/;

/**
 * Checks a PutMetricAlarm request beyond what the model checks (types, lengths, enums) and gives
 * the alarm's configuration in DescribeAlarms' shape, without its state.
 */
export function metricAlarmConfiguration(input: PutMetricAlarmInput): MetricAlarm {
  const operator = input.ComparisonOperator!;
  if (BAND_OPERATORS.includes(operator)) {
    if (input.ThresholdMetricId === undefined) throw invalidCombination("ComparisonOperators for ranges require ThresholdMetricId to be set");
    checkBandAlarm(input);
  } else {
    if (input.ThresholdMetricId !== undefined) throw invalidCombination("ThresholdMetricId can only be used with the ComparisonOperators for ranges");
    if (!STATIC_OPERATORS.includes(operator)) throw invalidValue(`The value ${operator} for parameter ComparisonOperator is not supported.`);
    if (input.Threshold === undefined) throw missingParameter("The parameter Threshold is required.");
    if (!Number.isFinite(input.Threshold)) throw invalidValue("The parameter Threshold must be a finite number.");
  }
  if (input.TreatMissingData !== undefined && !TREAT_MISSING.includes(input.TreatMissingData)) {
    throw invalidValue(`The value ${input.TreatMissingData} for parameter TreatMissingData is not supported.`);
  }
  const N = input.EvaluationPeriods!;
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > N) {
    throw invalidCombination("DatapointsToAlarm must be less than or equal to EvaluationPeriods");
  }
  for (const key of ["OKActions", "AlarmActions", "InsufficientDataActions"] as const) {
    const bad = input[key]?.find((a) => !ARN.test(a));
    if (bad !== undefined) throw invalidValue(`Invalid arn syntax: ${bad} in parameter ${key}`);
  }
  const period = input.Metrics !== undefined ? metricsPeriod(input) : singleMetricPeriod(input);
  if (N * period > 86400) throw invalidCombination("Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)");
  if (input.ExtendedStatistic === undefined && input.EvaluateLowSampleCountPercentile !== undefined) {
    throw invalidCombination("EvaluateLowSampleCountPercentile can only be used with ExtendedStatistic");
  }
  if (input.EvaluateLowSampleCountPercentile !== undefined && !["evaluate", "ignore"].includes(input.EvaluateLowSampleCountPercentile)) {
    throw invalidValue(`The value ${input.EvaluateLowSampleCountPercentile} for parameter EvaluateLowSampleCountPercentile is not supported.`);
  }
  return {
    AlarmName: input.AlarmName,
    AlarmDescription: input.AlarmDescription,
    ActionsEnabled: input.ActionsEnabled ?? true,
    OKActions: input.OKActions ?? [],
    AlarmActions: input.AlarmActions ?? [],
    InsufficientDataActions: input.InsufficientDataActions ?? [],
    MetricName: input.MetricName,
    Namespace: input.Namespace,
    Statistic: input.Statistic,
    ExtendedStatistic: input.ExtendedStatistic,
    Dimensions: input.Metrics ? undefined : (input.Dimensions ?? []),
    Period: input.Period,
    Unit: input.Unit,
    EvaluationPeriods: N,
    DatapointsToAlarm: input.DatapointsToAlarm,
    Threshold: input.Threshold,
    ThresholdMetricId: input.ThresholdMetricId,
    ComparisonOperator: operator as MetricAlarm["ComparisonOperator"],
    TreatMissingData: input.TreatMissingData,
    EvaluateLowSampleCountPercentile: input.EvaluateLowSampleCountPercentile,
    Metrics: input.Metrics?.map((m) => ({ ...m, ReturnData: m.ReturnData ?? true })),
  };
}

function singleMetricPeriod(input: PutMetricAlarmInput): number {
  if (input.MetricName === undefined) throw missingParameter("The parameter MetricName is required.");
  if (input.Namespace === undefined) throw missingParameter("The parameter Namespace is required.");
  if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
    throw invalidCombination("Exactly one of the parameters Statistic or ExtendedStatistic must be specified.");
  }
  if (input.ExtendedStatistic !== undefined && !EXTENDED.test(input.ExtendedStatistic)) {
    throw invalidValue(`The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not supported.`);
  }
  if (input.Period === undefined) throw missingParameter("The parameter Period is required.");
  if (!isAlarmPeriod(input.Period)) throw invalidValue("Period must be 10, 20, 30 or a multiple of 60");
  const names = new Set<string>();
  for (const d of input.Dimensions ?? []) {
    if (names.has(d.Name!)) throw invalidValue(`No two dimensions may have the same name: ${d.Name}`);
    names.add(d.Name!);
  }
  return input.Period;
}

/** A metric-math alarm: the Metrics list alone says what is read, exactly one result is the alarm's. */
function metricsPeriod(input: PutMetricAlarmInput): number {
  for (const key of ["MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"] as const) {
    if (input[key] !== undefined) throw invalidCombination(`The parameters ${key} and Metrics are mutually exclusive; the alarm's metrics are all in Metrics.`);
  }
  const metrics = input.Metrics!;
  if (metrics.length === 0) throw invalidValue("The parameter Metrics must contain at least one element.");
  const ids = new Set<string>();
  let stats = 0;
  let period: number | undefined;
  for (const m of metrics) {
    if (!ID.test(m.Id ?? "")) throw invalidValue(`Invalid metrics list: the Id ${m.Id} must start with a lowercase letter and contain only letters, numbers and underscores.`);
    if (ids.has(m.Id!)) throw invalidValue(`Invalid metrics list: the Id ${m.Id} is used more than once.`);
    ids.add(m.Id!);
    if ((m.MetricStat === undefined) === (m.Expression === undefined)) {
      throw invalidValue(`Invalid metrics list: the metric ${m.Id} must have exactly one of MetricStat or Expression.`);
    }
    const p = m.MetricStat?.Period ?? m.Period;
    if (m.MetricStat) {
      stats++;
      if (!isAlarmPeriod(m.MetricStat.Period!)) throw invalidValue("Period must be 10, 20, 30 or a multiple of 60");
    }
    if (p !== undefined) {
      if (period !== undefined && p !== period) throw invalidValue("Invalid metrics list: all the metrics of an alarm must have the same period.");
      period = p;
    }
  }
  if (stats > 10) throw invalidValue("Invalid metrics list: an alarm can use at most 10 metrics.");
  // An anomaly detection alarm returns its band (ThresholdMetricId) besides the one metric it alarms on.
  if (metrics.filter((m) => returnsData(m) && m.Id !== input.ThresholdMetricId).length !== 1) throw invalidValue("Exactly one element of the metrics list should return data.");
  if (period === undefined) throw missingParameter("The parameter Period is required for an expression that reads no metric.");
  if (!isAlarmPeriod(period)) throw invalidValue("Period must be 10, 20, 30 or a multiple of 60");
  return period;
}

const returnsData = (m: MetricDataQuery) => m.ReturnData !== false;

const BAND = /^\s*ANOMALY_DETECTION_BAND\s*\(\s*([a-z][a-zA-Z0-9_]*)\s*(?:,\s*[0-9.eE+-]+\s*)?\)\s*$/i;

/**
 * An anomaly detection alarm: a Metrics list whose ThresholdMetricId names an
 * ANOMALY_DETECTION_BAND expression over the alarm's one returned metric; no static Threshold.
 */
function checkBandAlarm(input: PutMetricAlarmInput): void {
  if (input.Metrics === undefined) throw invalidCombination("ThresholdMetricId can only be used with the Metrics parameter.");
  if (input.Threshold !== undefined) throw invalidCombination("The parameters Threshold and ThresholdMetricId are mutually exclusive.");
  const band = input.Metrics.find((m) => m.Id === input.ThresholdMetricId);
  if (!band) throw invalidValue(`The ThresholdMetricId ${input.ThresholdMetricId} does not match the Id of any metric in the Metrics list.`);
  const m = band.Expression === undefined ? null : BAND.exec(band.Expression);
  if (!m) throw invalidValue(`The metric ${input.ThresholdMetricId} named by ThresholdMetricId must be an ANOMALY_DETECTION_BAND function.`);
  const alarmed = input.Metrics.find((q) => returnsData(q) && q.Id !== input.ThresholdMetricId);
  if (alarmed && alarmed.Id !== m[1]) throw invalidValue(`The ANOMALY_DETECTION_BAND ${input.ThresholdMetricId} must be the band of the alarm's metric ${alarmed.Id}.`);
  if (band.ReturnData === false) throw invalidValue(`The ANOMALY_DETECTION_BAND ${input.ThresholdMetricId} must have ReturnData set to true.`);
}

/** The alarm's period: the single metric's, or the Metrics list's (all alike). */
export const alarmPeriod = (a: MetricAlarm): number =>
  a.Period ?? a.Metrics!.map((m) => m.MetricStat?.Period ?? m.Period).find((p) => p !== undefined)!;
