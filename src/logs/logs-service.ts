import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Scope } from "../core/arn.js";
import type * as W from "@aws-sdk/client-cloudwatch-logs";
import { groupNotFound, invalidParameter } from "./errors.js";
import { filterLogEvents } from "./filter-log-events.js";
import { getLogEvents } from "./get-log-events.js";
import {
  createGroup, deleteGroup, deleteRetention, describeGroups, findGroup, groupArn, listTags, putRetention, putTags, removeTags, requireGroup, validateTags,
  type GroupRow,
} from "./log-groups.js";
import type { LogStore } from "./log-store.js";
import { startLiveTail } from "./live-tail.js";
import { randomUUID } from "node:crypto";
import { deleteMetricFilter, describeMetricFilters, putMetricFilter, testMetricFilter } from "./metric-filters.js";
import { createStream, deleteStream, describeStreams, requireStream } from "./log-streams.js";

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

/** `arn:aws:logs:REGION:ACCOUNT:log-group:NAME`, with or without the trailing `:*` DescribeLogGroups shows. */
function groupNameFromArn(arn: string, scope: Scope): string | undefined {
  const m = /^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(?::\*)?$/.exec(arn);
  if (!m || m[1] !== scope.region || m[2] !== scope.account) return undefined;
  return m[3];
}

/** Calls that name a group by logGroupName or logGroupIdentifier (a name or an ARN), never both. */
function identifiedGroup(store: LogStore, scope: Scope, input: { logGroupName?: string; logGroupIdentifier?: string }): GroupRow {
  const { logGroupName: name, logGroupIdentifier: id } = input;
  if (name !== undefined && id !== undefined) throw invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  if (name === undefined && id === undefined) throw invalidParameter("Should provide either logGroupName or logGroupIdentifier.");
  const resolved = name ?? (id!.startsWith("arn:") ? groupNameFromArn(id!, scope) : id);
  if (resolved === undefined) throw groupNotFound();
  return requireGroup(store.db, scope, resolved);
}

/** The group a tagging call's resourceArn names. */
function taggedGroup(store: LogStore, scope: Scope, arn: string): string {
  if (!arn.startsWith("arn:")) throw invalidParameter("Invalid resource ARN");
  const name = groupNameFromArn(arn, scope);
  if (name === undefined || findGroup(store.db, scope, name) === undefined) throw groupNotFound();
  return groupArn(scope, name);
}

/** CloudWatch Logs (awsJson1_1): log groups, log streams and their events, over the store. */
export function createLogsService(store: LogStore): AwsService {
  const { db, clock } = store;
  const handlers: Record<string, Handler> = {
    CreateLogGroup: (input: W.CreateLogGroupRequest, ctx) => {
      createGroup(db, clock, scopeOf(ctx), { name: input.logGroupName!, kmsKeyId: input.kmsKeyId, logGroupClass: input.logGroupClass, deletionProtectionEnabled: input.deletionProtectionEnabled, tags: input.tags });
      return {};
    },
    DescribeLogGroups: (input: W.DescribeLogGroupsRequest, ctx) => {
      const scope = scopeOf(ctx);
      const names = input.logGroupIdentifiers?.map((id) => (id.startsWith("arn:") ? groupNameFromArn(id, scope) ?? "" : id));
      return describeGroups(db, scope, {
        prefix: input.logGroupNamePrefix, pattern: input.logGroupNamePattern, logGroupClass: input.logGroupClass, names, limit: input.limit, nextToken: input.nextToken,
      });
    },
    DeleteLogGroup: (input: W.DeleteLogGroupRequest, ctx) => (deleteGroup(db, scopeOf(ctx), input.logGroupName!), {}),
    PutRetentionPolicy: (input: W.PutRetentionPolicyRequest, ctx) => (putRetention(db, scopeOf(ctx), input.logGroupName!, input.retentionInDays!), {}),
    DeleteRetentionPolicy: (input: W.DeleteRetentionPolicyRequest, ctx) => (deleteRetention(db, scopeOf(ctx), input.logGroupName!), {}),

    CreateLogStream: (input: W.CreateLogStreamRequest, ctx) => {
      db.transaction(() => createStream(db, clock, requireGroup(db, scopeOf(ctx), input.logGroupName!), input.logStreamName!))();
      return {};
    },
    DescribeLogStreams: (input: W.DescribeLogStreamsRequest, ctx) =>
      describeStreams(db, identifiedGroup(store, scopeOf(ctx), input), {
        prefix: input.logStreamNamePrefix, orderBy: input.orderBy, descending: input.descending, limit: input.limit, nextToken: input.nextToken,
      }),
    DeleteLogStream: (input: W.DeleteLogStreamRequest, ctx) => (deleteStream(db, requireGroup(db, scopeOf(ctx), input.logGroupName!), input.logStreamName!), {}),

    PutLogEvents: (input: W.PutLogEventsRequest, ctx) =>
      store.putLogEvents(scopeOf(ctx), input.logGroupName!, input.logStreamName!, input.logEvents!.map((e) => ({ timestamp: e.timestamp!, message: e.message! }))),
    GetLogEvents: (input: W.GetLogEventsRequest, ctx) => {
      const group = identifiedGroup(store, scopeOf(ctx), input);
      return getLogEvents(db, requireStream(db, group, input.logStreamName!), input);
    },
    FilterLogEvents: (input: W.FilterLogEventsRequest, ctx) => filterLogEvents(db, identifiedGroup(store, scopeOf(ctx), input), input),
    StartLiveTail: (input: W.StartLiveTailRequest, ctx) => {
      const scope = scopeOf(ctx);
      const groups = input.logGroupIdentifiers!.map((identifier) => {
        if (identifier.endsWith("*")) throw invalidParameter("Log group ARNs in logGroupIdentifiers cannot end with *.");
        const name = identifier.startsWith("arn:") ? groupNameFromArn(identifier, scope) : identifier;
        if (name === undefined) throw groupNotFound();
        return { group: requireGroup(db, scope, name), identifier };
      });
      return startLiveTail(store, input, { requestId: ctx.requestId, sessionId: randomUUID(), groups });
    },

    PutMetricFilter: (input: W.PutMetricFilterRequest, ctx) => {
      putMetricFilter(db, clock, scopeOf(ctx), {
        logGroupName: input.logGroupName!, filterName: input.filterName!, filterPattern: input.filterPattern!, metricTransformations: input.metricTransformations!,
      });
      return {};
    },
    DescribeMetricFilters: (input: W.DescribeMetricFiltersRequest, ctx) => describeMetricFilters(db, scopeOf(ctx), input),
    DeleteMetricFilter: (input: W.DeleteMetricFilterRequest, ctx) => (deleteMetricFilter(db, scopeOf(ctx), input.logGroupName!, input.filterName!), {}),
    TestMetricFilter: (input: W.TestMetricFilterRequest) => ({ matches: testMetricFilter(input.filterPattern!, input.logEventMessages!) }),

    TagResource: (input: W.TagResourceRequest, ctx) => {
      const arn = taggedGroup(store, scopeOf(ctx), input.resourceArn!);
      validateTags(input.tags!);
      db.transaction(() => putTags(db, arn, input.tags!))();
      return {};
    },
    UntagResource: (input: W.UntagResourceRequest, ctx) => (removeTags(db, taggedGroup(store, scopeOf(ctx), input.resourceArn!), input.tagKeys!), {}),
    ListTagsForResource: (input: W.ListTagsForResourceRequest, ctx) => ({ tags: listTags(db, taggedGroup(store, scopeOf(ctx), input.resourceArn!)) }),
    // The deprecated group-name forms of the same three calls.
    TagLogGroup: (input: W.TagLogGroupRequest, ctx) => {
      const scope = scopeOf(ctx);
      requireGroup(db, scope, input.logGroupName!);
      validateTags(input.tags!);
      db.transaction(() => putTags(db, groupArn(scope, input.logGroupName!), input.tags!))();
      return {};
    },
    UntagLogGroup: (input: W.UntagLogGroupRequest, ctx) => {
      const scope = scopeOf(ctx);
      requireGroup(db, scope, input.logGroupName!);
      removeTags(db, groupArn(scope, input.logGroupName!), input.tags!);
      return {};
    },
    ListTagsLogGroup: (input: W.ListTagsLogGroupRequest, ctx) => {
      const scope = scopeOf(ctx);
      requireGroup(db, scope, input.logGroupName!);
      return { tags: listTags(db, groupArn(scope, input.logGroupName!)) };
    },
  };
  return { model: loadModel("logs"), handlers };
}
