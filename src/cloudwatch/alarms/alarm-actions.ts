import type { Scope } from "../../core/arn.js";

/** What an alarm action is told: the alarm and its state change (AWS's alarm event fields). */
export interface AlarmStateChange {
  scope: Scope;
  alarmName: string;
  alarmArn: string;
  oldState: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  newState: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  reason: string;
  /** The JSON reason data AWS attaches (StateReasonData), when there is one. */
  reasonData?: string;
  timestamp: Date;
}

/**
 * A kind of alarm action target (Application Auto Scaling policies, SNS topics once SNS exists),
 * registered with the alarms by the composition root. The alarms call `invoke` for each action
 * ARN of the new state that `handles` claims; an ARN nobody handles is stored and ignored, as AWS
 * accepts actions on targets it cannot reach and logs the failure in the alarm's history.
 */
export interface AlarmActionTarget {
  handles(arn: string): boolean;
  invoke(arn: string, change: AlarmStateChange): Promise<void>;
}
