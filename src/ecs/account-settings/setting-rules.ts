import type { SettingName as WireSettingName } from "@aws-sdk/client-ecs";

export type SettingName = `${WireSettingName}`;

export interface SettingRule {
  /** The values PutAccountSetting and PutAccountSettingDefault accept. */
  values: readonly string[];
  /** What applies when neither the principal nor the account has set it (AWS's default today). */
  awsDefault: string;
  /** Set for the whole account only (PutAccountSettingDefault, or the root user). */
  accountOnly?: boolean;
  /** Shown, never set: guardDutyActivate reflects GuardDuty's Runtime Monitoring. */
  readOnly?: boolean;
}

const onOff = ["enabled", "disabled"] as const;

/**
 * Every setting name of the ECS model with its values and AWS's default, from the ECS API
 * Reference (PutAccountSetting) and the Developer Guide's account settings page. The long ARN
 * formats are on for every account since 2021; the task log driver mode defaults to
 * non-blocking since June 2025.
 */
export const SETTING_RULES: Record<SettingName, SettingRule> = {
  serviceLongArnFormat: { values: onOff, awsDefault: "enabled" },
  taskLongArnFormat: { values: onOff, awsDefault: "enabled" },
  containerInstanceLongArnFormat: { values: onOff, awsDefault: "enabled" },
  awsvpcTrunking: { values: onOff, awsDefault: "disabled" },
  containerInsights: { values: ["enhanced", "enabled", "disabled"], awsDefault: "disabled" },
  fargateFIPSMode: { values: onOff, awsDefault: "disabled", accountOnly: true },
  tagResourceAuthorization: { values: ["on", "off"], awsDefault: "on" },
  fargateTaskRetirementWaitPeriod: { values: ["0", "7", "14"], awsDefault: "7", accountOnly: true },
  guardDutyActivate: { values: onOff, awsDefault: "disabled", readOnly: true },
  defaultLogDriverMode: { values: ["blocking", "non-blocking"], awsDefault: "non-blocking" },
  fargateEventWindows: { values: onOff, awsDefault: "disabled" },
};
