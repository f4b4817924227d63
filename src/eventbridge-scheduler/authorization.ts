import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";
import { PASSED_TO, passRoles } from "../iam/pass-role.js";

const schedule = ({ arn, str }: AuthorizedCall) => [arn(`schedule/${str("GroupName") ?? "default"}/${str("Name") ?? ""}`)];
const group = ({ arn, str }: AuthorizedCall) => [arn(`schedule-group/${str("Name") ?? ""}`)];

/**
 * EventBridge Scheduler (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html):
 * schedule actions on schedule/GROUP/NAME (the default group when none is named), group actions on
 * schedule-group/NAME; the list calls on "*".
 */
export const schedulerAuthorization: ServiceAuthorization = {
  arnService: "scheduler",
  resources: {
    CreateSchedule: schedule, GetSchedule: schedule, UpdateSchedule: schedule, DeleteSchedule: schedule,
    CreateScheduleGroup: group, GetScheduleGroup: group, DeleteScheduleGroup: group,
  },
  // The schedule's target RoleArn is handed to Scheduler, which delivers as that role: the caller
  // must be allowed iam:PassRole on it to scheduler.amazonaws.com.
  dependentActions: Object.fromEntries(["CreateSchedule", "UpdateSchedule"].map((op) => [op, ({ input }: AuthorizedCall) => {
    const target = input["Target"] as { RoleArn?: unknown } | undefined;
    return passRoles(PASSED_TO.scheduler, [typeof target?.RoleArn === "string" ? target.RoleArn : undefined]);
  }])),
};
