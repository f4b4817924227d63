import type { Scope } from "../../core/arn.js";

/**
 * What the service scheduler asks CloudWatch about a deployment's alarms
 * (deploymentConfiguration.alarms): which of these named alarms are in ALARM now, or went into
 * ALARM since the deployment was created (an alarm that flips back before the next decision still
 * counts). Wired in
 * server.ts; ECS never reads CloudWatch's tables itself.
 */
export interface DeploymentAlarmStates {
  inAlarm(scope: Scope, alarmNames: readonly string[], since: Date): string[];
}

/** Without CloudWatch (unit tests), no alarm is ever in ALARM. */
export const noAlarms: DeploymentAlarmStates = { inAlarm: () => [] };
