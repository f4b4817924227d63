import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { AlarmState, Datapoint, Evaluation } from "./evaluate-datapoints.js";

const OPERATOR_TEXT: Record<string, string> = {
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  GreaterThanThreshold: "greater than",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

const pad = (n: number) => String(n).padStart(2, "0");
/** "06/12/26 20:41:00": day/month/year, UTC, as alarm reasons print a datapoint's time. */
const reasonTime = (d: Date) =>
  `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
/** Java's Double.toString, which CloudWatch's reasons use: 60 is "60.0". */
const number = (v: number) => (Number.isInteger(v) && Math.abs(v) < 1e7 ? v.toFixed(1) : String(v));
/** "2026-06-12T20:41:00.000+0000", the timestamps of StateReasonData. */
export const reasonDataTime = (d: Date) => d.toISOString().replace("Z", "+0000");

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The StateReason of an evaluation, in CloudWatch's words:
 * "Threshold Crossed: 1 out of the last 1 datapoints [72.5 (06/12/26 20:41:00)] was greater than
 * the threshold (60.0) (minimum 1 datapoint for OK -> ALARM transition)."
 */
export function stateReason(alarm: MetricAlarm, from: AlarmState, to: AlarmState, e: Evaluation): string {
  const N = alarm.EvaluationPeriods!;
  const M = alarm.DatapointsToAlarm ?? N;
  if (to === "INSUFFICIENT_DATA") return `Insufficient Data: ${plural(N, "datapoint")} ${N === 1 ? "was" : "were"} unknown.`;
  const treated = alarm.TreatMissingData === "breaching" ? "Breaching" : "NotBreaching";
  if (e.evaluated.length === 0) {
    return `Threshold Crossed: no datapoints were received for ${plural(N, "period")} and ${plural(e.filled, "missing datapoint")} ${e.filled === 1 ? "was" : "were"} treated as [${treated}].`;
  }
  const breaching = to === "ALARM";
  // The datapoints that decided, most recent first, as CloudWatch lists them.
  const counted = breaching ? e.breaching - (alarm.TreatMissingData === "breaching" ? e.filled : 0) : e.evaluated.length - e.breaching + (alarm.TreatMissingData === "breaching" ? e.filled : 0);
  const shown = [...e.evaluated].reverse().map((d) => `${number(d.value)} (${reasonTime(d.timestamp)})`).join(", ");
  const verb = Math.max(counted, 0) === 1 ? "was" : "were";
  const filled = e.filled > 0 ? `, and ${plural(e.filled, "missing datapoint")} ${e.filled === 1 ? "was" : "were"} treated as [${treated}]` : "";
  const minimum = breaching ? M : N - M + 1;
  if (alarm.ThresholdMetricId !== undefined) {
    // Anomaly detection: the bands at the datapoints shown, in the same order.
    const bounds = (k: "lower" | "upper") => `[${[...e.evaluated].reverse().map((d) => (d.band ? number(d.band[k]) : "")).join(", ")}]`;
    const not = breaching ? "" : "not ";
    const lower = `${not}less than the lower thresholds ${bounds("lower")}`;
    const upper = `${not}greater than the upper thresholds ${bounds("upper")}`;
    const crossed = alarm.ComparisonOperator === "LessThanLowerThreshold" ? lower : alarm.ComparisonOperator === "GreaterThanUpperThreshold" ? upper : `${lower} ${breaching ? "or" : "and"} ${upper}`;
    return (
      `Thresholds Crossed: ${Math.max(counted, 0)} out of the last ${e.evaluated.length} datapoints [${shown}] ${verb} ${crossed}${filled} ` +
      `(minimum ${plural(minimum, "datapoint")} for ${from} -> ${to} transition).`
    );
  }
  return (
    `Threshold Crossed: ${Math.max(counted, 0)} out of the last ${e.evaluated.length} datapoints [${shown}] ${verb} ${breaching ? "" : "not "}` +
    `${OPERATOR_TEXT[alarm.ComparisonOperator!]} the threshold (${number(alarm.Threshold!)})${filled} ` +
    `(minimum ${plural(minimum, "datapoint")} for ${from} -> ${to} transition).`
  );
}

/** StateReasonData: the JSON document AWS attaches to an evaluation's state change. */
export function stateReasonData(alarm: MetricAlarm, e: Evaluation, queryDate: Date, startDate: Date, period: number, recent: Datapoint[]): string {
  const data: Record<string, unknown> = { version: "1.0", queryDate: reasonDataTime(queryDate), startDate: reasonDataTime(startDate) };
  if (alarm.Statistic !== undefined) data.statistic = alarm.Statistic;
  if (alarm.ExtendedStatistic !== undefined) data.extendedStatistic = alarm.ExtendedStatistic;
  if (alarm.Unit !== undefined) data.unit = alarm.Unit;
  data.period = period;
  data.recentDatapoints = recent.map((d) => d.value);
  if (alarm.ThresholdMetricId === undefined) data.threshold = alarm.Threshold;
  if (e.evaluated.length > 0) {
    data.evaluatedDatapoints = [...e.evaluated].reverse().map((d) => ({ timestamp: reasonDataTime(d.timestamp), value: d.value }));
  }
  return JSON.stringify(data);
}
