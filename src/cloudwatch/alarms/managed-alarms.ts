import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";

/**
 * Alarms another service owns (Application Auto Scaling's target tracking alarms
 * `TargetTracking-<resource>-AlarmHigh-<uuid>`): made, changed and removed by that service with
 * the same validation and evaluation as PutMetricAlarm and DeleteAlarms.
 */
export interface ManagedAlarms {
  put(scope: Scope, input: PutMetricAlarmInput): void;
  delete(scope: Scope, alarmNames: string[]): void;
}
