import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";
import { sharedTags } from "../iam/service-authorization.js";

/** A log group's name from a name or an ARN (arn:...:log-group:NAME, with or without `:*`). */
const groupName = (ref: string) => (ref.startsWith("arn:") ? ref.replace(/^arn:[^:]*:logs:[^:]*:[^:]*:log-group:/, "").replace(/:\*$/, "") : ref);

/**
 * The ARN CloudWatch Logs authorizes an action on: a stream's for stream actions; for a group's
 * actions the group's with an empty stream (`log-group:NAME:log-stream:`), which is what AWS
 * names in its refusals and why policies grant `log-group:NAME:*`. Calls about every group
 * (DescribeLogGroups) name an empty group: `log-group::log-stream:`.
 */
const streamArn = ({ arn }: AuthorizedCall, group: string, stream = "") => arn(`log-group:${group}:log-stream:${stream}`);
const group = (call: AuthorizedCall) => [streamArn(call, groupName(call.str("logGroupName") ?? call.str("logGroupIdentifier") ?? ""))];
const stream = (call: AuthorizedCall) => [streamArn(call, groupName(call.str("logGroupName") ?? call.str("logGroupIdentifier") ?? ""), call.str("logStreamName") ?? "")];
const anyGroup = (call: AuthorizedCall) => [streamArn(call, "")];
const groups = (member: string) => (call: AuthorizedCall) => call.list(member).map((g) => streamArn(call, groupName(g)));

/** CloudWatch Logs (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html). */
export const logsAuthorization: ServiceAuthorization = {
  arnService: "logs",
  resources: {
    CreateLogGroup: group, DeleteLogGroup: group, PutRetentionPolicy: group, DeleteRetentionPolicy: group,
    CreateLogStream: group, DescribeLogStreams: group, FilterLogEvents: group,
    PutMetricFilter: group, DeleteMetricFilter: group, PutSubscriptionFilter: group, DeleteSubscriptionFilter: group,
    TagLogGroup: group, UntagLogGroup: group, ListTagsLogGroup: group,
    DescribeMetricFilters: (call) => (call.str("logGroupName") ? group(call) : anyGroup(call)),
    DescribeLogGroups: anyGroup,
    PutLogEvents: stream, GetLogEvents: stream, DeleteLogStream: stream,
    StartLiveTail: groups("logGroupIdentifiers"),
    StartQuery: (call) => (call.str("logGroupName") ? group(call) : [...groups("logGroupNames")(call), ...groups("logGroupIdentifiers")(call)]),
  },
  /** A group's tags, for its own ARN and every stream ARN in it. */
  tagsOf(db, arn) {
    const m = /^(arn:[^:]*:logs:[^:]*:[^:]*:log-group:.*?)(?::log-stream:.*|:\*)?$/.exec(arn);
    return m ? sharedTags(db, m[1]!) : {};
  },
};
