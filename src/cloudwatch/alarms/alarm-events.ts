import type { MetricAlarm, CompositeAlarm } from "@aws-sdk/client-cloudwatch";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { emitEvent } from "../../store/outbox.js";

/** CloudWatch's event timestamps: milliseconds and a +0000 offset. */
const cwTime = (d: Date) => d.toISOString().replace("Z", "+0000");

/** The alarm's configuration as the event carries it: its metric (or metrics), or a composite alarm's rule. */
function configuration(a: MetricAlarm & CompositeAlarm): Record<string, unknown> {
  const base: Record<string, unknown> = a.AlarmDescription ? { description: a.AlarmDescription } : {};
  if (a.AlarmRule) return { ...base, alarmRule: a.AlarmRule };
  if (a.Metrics?.length) return { ...base, metrics: JSON.parse(JSON.stringify(a.Metrics).replace(/"([A-Z])([A-Za-z]*)":/g, (_m, f: string, r: string) => `"${f.toLowerCase()}${r}":`)) };
  const dimensions = Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name, d.Value]));
  return {
    ...base,
    metrics: [{
      id: "m1", returnData: true,
      metricStat: { metric: { namespace: a.Namespace, name: a.MetricName, dimensions }, period: a.Period, stat: a.Statistic ?? a.ExtendedStatistic },
    }],
  };
}

/** "CloudWatch Alarm State Change", in the transaction that changes the state. */
export function emitAlarmStateChange(
  db: Db, scope: Scope, alarm: MetricAlarm & CompositeAlarm,
  next: { value: string; reason: string; reasonData?: string; at: Date },
): void {
  const previous: Record<string, unknown> = { value: alarm.StateValue, reason: alarm.StateReason ?? "" };
  if (alarm.StateReasonData) previous.reasonData = alarm.StateReasonData;
  if (alarm.StateUpdatedTimestamp) previous.timestamp = cwTime(new Date(alarm.StateUpdatedTimestamp));
  const state: Record<string, unknown> = { value: next.value, reason: next.reason, timestamp: cwTime(next.at) };
  if (next.reasonData) state.reasonData = next.reasonData;
  emitEvent(db, scope, {
    source: "aws.cloudwatch", detailType: "CloudWatch Alarm State Change", resources: [alarm.AlarmArn!], time: next.at,
    detail: { alarmName: alarm.AlarmName, state, previousState: previous, configuration: configuration(alarm) },
  });
}
