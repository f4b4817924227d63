import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";

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
};
