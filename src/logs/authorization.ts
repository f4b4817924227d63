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

/** A group when the call names one (it may), else every group. */
const groupOrAny = (call: AuthorizedCall) => (call.str("logGroupName") ?? call.str("logGroupIdentifier") ? group(call) : anyGroup(call));

/**
 * CloudWatch Logs (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html):
 * every action that names a log group is authorized on the group (its stream actions on the
 * stream), whether or not Berth implements it, so that a table entry is never what is missing.
 * Actions AWS scopes by other resources (destinations, deliveries, anomaly detectors, query
 * definitions, scheduled queries, integrations) or none are on "*".
 */
export const logsAuthorization: ServiceAuthorization = {
  arnService: "logs",
  resources: {
    ...Object.fromEntries([
      "CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy", "CreateLogStream", "DescribeLogStreams", "FilterLogEvents",
      "PutMetricFilter", "DeleteMetricFilter", "PutSubscriptionFilter", "DeleteSubscriptionFilter", "DescribeSubscriptionFilters",
      "TagLogGroup", "UntagLogGroup", "ListTagsLogGroup", "GetLogGroupFields", "CreateExportTask",
      "AssociateKmsKey", "DisassociateKmsKey", "PutDataProtectionPolicy", "GetDataProtectionPolicy", "DeleteDataProtectionPolicy",
      "PutIndexPolicy", "DeleteIndexPolicy", "PutTransformer", "GetTransformer", "DeleteTransformer",
      "PutLogGroupDeletionProtection", "PutBearerTokenAuthentication",
    ].map((op) => [op, group])),
    // AssociateKmsKey and DisassociateKmsKey may name a query's results (resourceIdentifier) instead of a group.
    AssociateKmsKey: groupOrAny, DisassociateKmsKey: groupOrAny,
    DescribeMetricFilters: groupOrAny, DescribeQueries: groupOrAny,
    DescribeLogGroups: anyGroup,
    PutLogEvents: stream, GetLogEvents: stream, DeleteLogStream: stream,
    StartLiveTail: groups("logGroupIdentifiers"),
    DescribeFieldIndexes: groups("logGroupIdentifiers"), DescribeIndexPolicies: groups("logGroupIdentifiers"),
    CreateLogAnomalyDetector: groups("logGroupArnList"),
    StartQuery: (call) => (call.str("logGroupName") ? group(call) : [...groups("logGroupNames")(call), ...groups("logGroupIdentifiers")(call)]),
  },
  /** A group's tags, for its own ARN and every stream ARN in it. */
  tagsOf(db, arn) {
    const m = /^(arn:[^:]*:logs:[^:]*:[^:]*:log-group:.*?)(?::log-stream:.*|:\*)?$/.exec(arn);
    return m ? sharedTags(db, m[1]!) : {};
  },
};
