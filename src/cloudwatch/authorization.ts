import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";

const alarm = (call: AuthorizedCall, name: string) => call.arn(`alarm:${name}`);
const namedAlarm = (call: AuthorizedCall) => [call.str("AlarmName") === undefined ? "*" : alarm(call, call.str("AlarmName")!)];
const listedAlarms = (call: AuthorizedCall) => call.list("AlarmNames").map((n) => alarm(call, n));
/** Dashboards are global: their ARN has no region. */
const dashboard = ({ ctx }: AuthorizedCall, name: string) => `arn:aws:cloudwatch::${ctx.account}:dashboard/${name}`;

/**
 * CloudWatch (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html):
 * alarm actions on arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME (each one a call names);
 * DescribeAlarms without names, and every metric action (PutMetricData, GetMetricData,
 * GetMetricStatistics, ListMetrics), on "*".
 */
export const cloudWatchAuthorization: ServiceAuthorization = {
  arnService: "cloudwatch",
  resources: {
    PutMetricAlarm: namedAlarm, PutCompositeAlarm: namedAlarm, SetAlarmState: namedAlarm, DescribeAlarmHistory: namedAlarm,
    DeleteAlarms: listedAlarms, EnableAlarmActions: listedAlarms, DisableAlarmActions: listedAlarms, DescribeAlarms: listedAlarms,
    PutDashboard: (call) => [dashboard(call, call.str("DashboardName") ?? "")],
    GetDashboard: (call) => [dashboard(call, call.str("DashboardName") ?? "")],
    DeleteDashboards: (call) => call.list("DashboardNames").map((n) => dashboard(call, n)),
  },
};
