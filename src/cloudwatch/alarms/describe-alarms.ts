import type { CompositeAlarm, DescribeAlarmsForMetricInput, DescribeAlarmsForMetricOutput, DescribeAlarmsInput, DescribeAlarmsOutput, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import { invalidCombination, invalidNextToken } from "./alarm-errors.js";
import { alarmArn, type AlarmStore, type StoredAlarm } from "./alarm-store.js";

/** DescribeAlarms: the filters AWS documents, pages of MaxRecords (default 50) in name order. */
export function describeAlarms(store: AlarmStore, scope: Scope, input: DescribeAlarmsInput): DescribeAlarmsOutput {
  const family = input.ChildrenOfAlarmName !== undefined ? "ChildrenOfAlarmName" : input.ParentsOfAlarmName !== undefined ? "ParentsOfAlarmName" : undefined;
  if (family) {
    const others = (["AlarmNames", "AlarmNamePrefix", "AlarmTypes", "StateValue", "ActionPrefix", "ChildrenOfAlarmName", "ParentsOfAlarmName"] as const).filter(
      (k) => k !== family && input[k] !== undefined,
    );
    if (others.length) throw invalidCombination(`If ${family} is specified, you cannot specify ${others.join(", ")}.`);
  }
  if (input.AlarmNames?.length && input.AlarmNamePrefix !== undefined) throw invalidCombination("AlarmNames and AlarmNamePrefix cannot be specified together.");
  let alarms: StoredAlarm[];
  if (input.ChildrenOfAlarmName !== undefined) {
    const prefix = alarmArn(scope, "");
    alarms = store.children(scope, input.ChildrenOfAlarmName).flatMap((c) => store.get(scope, c.startsWith(prefix) ? c.slice(prefix.length) : c) ?? []);
  } else if (input.ParentsOfAlarmName !== undefined) {
    const name = input.ParentsOfAlarmName;
    alarms = [...new Set([...store.parents(scope, name), ...store.parents(scope, alarmArn(scope, name))])].flatMap((p) => store.get(scope, p) ?? []);
  } else {
    // Metric alarms only unless AlarmTypes says otherwise, as AWS.
    const types: string[] = input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"];
    const names = input.AlarmNames?.length ? new Set(input.AlarmNames) : undefined;
    alarms = store.list(scope).filter(
      ({ type, alarm }) =>
        types.includes(type) &&
        (!names || names.has(alarm.AlarmName!)) &&
        (input.AlarmNamePrefix === undefined || alarm.AlarmName!.startsWith(input.AlarmNamePrefix)) &&
        (input.StateValue === undefined || alarm.StateValue === input.StateValue) &&
        (input.ActionPrefix === undefined || [...(alarm.AlarmActions ?? []), ...(alarm.OKActions ?? []), ...(alarm.InsufficientDataActions ?? [])].some((a) => a.startsWith(input.ActionPrefix!))),
    );
  }
  alarms.sort((a, b) => (a.alarm.AlarmName! < b.alarm.AlarmName! ? -1 : a.alarm.AlarmName! > b.alarm.AlarmName! ? 1 : 0));
  const { items, next } = page(alarms, input.NextToken, input.MaxRecords ?? 50);
  return {
    MetricAlarms: items.filter((a) => a.type === "MetricAlarm").map((a) => a.alarm as MetricAlarm),
    CompositeAlarms: items.filter((a) => a.type === "CompositeAlarm").map((a) => a.alarm as CompositeAlarm),
    NextToken: next,
  };
}

/** The metric alarms on one metric (single-metric alarms, and metric-math alarms reading it), filtered as asked. */
export function describeAlarmsForMetric(store: AlarmStore, scope: Scope, input: DescribeAlarmsForMetricInput): DescribeAlarmsForMetricOutput {
  const dims = (d: Array<{ Name?: string; Value?: string }> | undefined) => JSON.stringify([...(d ?? [])].map((x) => [x.Name, x.Value]).sort());
  const wanted = input.Dimensions !== undefined ? dims(input.Dimensions) : undefined;
  const matches = (m: { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name?: string; Value?: string }> }, stat?: string, period?: number, unit?: string) =>
    m.Namespace === input.Namespace &&
    m.MetricName === input.MetricName &&
    (wanted === undefined || dims(m.Dimensions) === wanted) &&
    (input.Statistic === undefined || stat === input.Statistic) &&
    (input.ExtendedStatistic === undefined || stat === input.ExtendedStatistic) &&
    (input.Period === undefined || period === input.Period) &&
    (input.Unit === undefined || unit === input.Unit);
  const alarms = store.list(scope).flatMap(({ type, alarm }) => {
    if (type !== "MetricAlarm") return [];
    const a = alarm as MetricAlarm;
    const hit = a.Metrics
      ? a.Metrics.some((q) => q.MetricStat && matches(q.MetricStat.Metric ?? {}, q.MetricStat.Stat, q.MetricStat.Period, q.MetricStat.Unit))
      : matches(a, a.Statistic ?? a.ExtendedStatistic, a.Period, a.Unit);
    return hit ? [a] : [];
  });
  return { MetricAlarms: alarms };
}

/** The token is base64url of the position after the last alarm returned (names sort stably). */
function page<T>(items: T[], token: string | undefined, size: number): { items: T[]; next?: string } {
  let start = 0;
  if (token !== undefined) {
    const m = /^a(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (!m) throw invalidNextToken();
    start = Number(m[1]);
  }
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? Buffer.from(`a${end}`).toString("base64url") : undefined };
}
