import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Logger } from "../../core/logger.js";
import { parseArn, type Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import type { LogSink } from "../../logs/log-sink.js";
import type { LogDestination } from "../../agent/protocol/log-shipper.js";
import type { LogBatchReply, LogOpenReply } from "../../agent/protocol/messages.js";
import type { ShippedEvent } from "../../agent/awslogs/log-event-builder.js";
import { isShipped } from "../../agent/awslogs/log-position.js";
import type { Clock } from "../../core/clock.js";
import type { MetricSink } from "../../cloudwatch/metrics/metric-sink.js";
import { executionRoleOf, type ExecutionRoleGate, type ExecutionRolePermissions } from "../tasks/execution-role.js";

/**
 * The control plane's end of the awslogs driver: agents' batches go into CloudWatch Logs through
 * the LogSink, and in the same transaction the position each container has reached
 * (awslogs_positions). Events at or before the stored position (log-position.ts) were stored before (a batch sent
 * again after a lost reply, or output read again after a restart) and are skipped: every line is
 * stored once.
 */
export interface AwslogsDelivery {
  open(d: LogDestination): LogOpenReply;
  deliver(d: LogDestination, events: ShippedEvent[], dropped?: number): LogBatchReply;
  /** The stored position of a container (tests, and `berth logs`). */
  position(taskArn: string, container: string): string | undefined;
}

/** The group's account is the task's; its region is awslogs-region. */
function scopeOf(d: LogDestination): Scope | undefined {
  const arn = parseArn(d.taskArn);
  return arn ? { account: arn.account, region: d.region } : undefined;
}

const refusal = (err: unknown): { code: string; message: string } => {
  if (err instanceof ServiceError) return { code: err.code, message: err.message };
  throw err;
};

/**
 * The log group's and stream's ARNs as CloudWatch Logs authorizes its actions on them (a group's
 * actions name it with an empty stream: `log-group:NAME:log-stream:`).
 */
const streamArn = (scope: Scope, group: string, stream: string) => `arn:aws:logs:${scope.region}:${scope.account}:log-group:${group}:log-stream:${stream}`;

/**
 * With iamEnforcement (`executionRole`), the task's execution role must allow what the Docker
 * awslogs driver does with it: logs:CreateLogGroup (with awslogs-create-group) and
 * logs:CreateLogStream when the container starts, logs:PutLogEvents for every batch. A refused
 * open fails the container as the driver does; a refused batch is refused like a missing group
 * (the agent retries it and logs why).
 */
/** Where the lines a non-blocking container dropped are counted (Berth's own metric; the Docker driver only loses them). */
export const DROPPED_NAMESPACE = "Berth/awslogs";
export const DROPPED_METRIC = "DroppedLines";

export function createAwslogsDelivery({ db, sink, log, executionRole, metrics }: {
  db: Db; sink: LogSink; log: Logger; executionRole?: ExecutionRoleGate;
  /** Publishes each batch's dropped-line count (mode non-blocking) as DROPPED_METRIC, per cluster, task and container. */
  metrics?: { sink: MetricSink; clock: Clock };
}): AwslogsDelivery {
  /**
   * In the batch's transaction, so a batch sent again (its events already stored) is not counted
   * twice; an empty batch (the count of the last drops) sent again after a lost reply is.
   */
  const publishDropped = (d: LogDestination, dropped: number) => {
    const arn = parseArn(d.taskArn);
    if (!metrics || !arn) return;
    const [, cluster = "", taskId = ""] = arn.resource.split("/");
    metrics.sink.put({ account: arn.account, region: arn.region }, [{
      namespace: DROPPED_NAMESPACE, metricName: DROPPED_METRIC, unit: "Count", timestamp: metrics.clock.now(), value: dropped,
      dimensions: [{ name: "ClusterName", value: cluster }, { name: "TaskId", value: taskId }, { name: "ContainerName", value: d.container }],
    }]);
  };
  const permissions = (taskArn: string): ExecutionRolePermissions | undefined => {
    if (!executionRole) return undefined;
    const row = db.prepare("SELECT t.doc AS task, d.doc AS def FROM tasks t JOIN task_definitions d ON d.arn = json_extract(t.doc, '$.taskDefinitionArn') WHERE t.arn = ?")
      .get(taskArn) as { task: string; def: string } | undefined;
    return row && executionRole({ taskArn, executionRoleArn: executionRoleOf(JSON.parse(row.task) as Task, JSON.parse(row.def) as TaskDefinition) });
  };
  const denied = (role: ExecutionRolePermissions | undefined, action: string, resource: string) => {
    const message = role?.denial(action, resource);
    return message === undefined ? undefined : { error: { code: "AccessDeniedException", message } };
  };
  const position = (taskArn: string, container: string) =>
    (db.prepare("SELECT position FROM awslogs_positions WHERE task_arn = ? AND container = ?").get(taskArn, container) as { position: string } | undefined)?.position;
  const known = (taskArn: string) => db.prepare("SELECT 1 FROM tasks WHERE arn = ?").get(taskArn) !== undefined;
  const unknownTask = { code: "ResourceNotFoundException", message: "The task is not known to this Berth." };

  return {
    position,
    open(d) {
      const scope = scopeOf(d);
      if (!scope || !known(d.taskArn)) return { error: unknownTask };
      const role = permissions(d.taskArn);
      const refused = (d.createGroup ? denied(role, "logs:CreateLogGroup", streamArn(scope, d.group, "")) : undefined) ??
        denied(role, "logs:CreateLogStream", streamArn(scope, d.group, d.stream));
      if (refused) return refused;
      try {
        db.transaction(() => {
          sink.ensureGroup(scope, d.group, d.createGroup);
          sink.ensureStream(scope, d.group, d.stream);
        })();
      } catch (err) {
        return { error: refusal(err) };
      }
      const p = position(d.taskArn, d.container);
      return p === undefined ? {} : { position: p };
    },
    deliver(d, events, dropped) {
      const scope = scopeOf(d);
      if (!scope) return { error: unknownTask };
      const refused = denied(permissions(d.taskArn), "logs:PutLogEvents", streamArn(scope, d.group, d.stream));
      if (refused) return refused;
      if (dropped) log.warn({ taskArn: d.taskArn, container: d.container, dropped }, "awslogs mode non-blocking: the agent dropped lines");
      try {
        return db.transaction((): LogBatchReply => {
          // A task the store forgot (stopped long ago): nothing to keep its output for.
          if (!known(d.taskArn)) return {};
          const stored = position(d.taskArn, d.container);
          // Positions only grow along a batch: everything after the first new event is new too.
          const first = events.findIndex((e) => !isShipped(e.position, stored));
          const fresh = first < 0 ? [] : events.slice(first);
          // A batch of no events is sent only to count the lines dropped after the last one.
          if (events.length === 0 && dropped) publishDropped(d, dropped);
          if (fresh.length === 0) return stored === undefined ? {} : { position: stored };
          sink.ensureStream(scope, d.group, d.stream);
          sink.append(scope, d.group, d.stream, fresh.map((e) => ({ timestamp: e.timestamp, message: e.message })));
          if (dropped) publishDropped(d, dropped);
          const last = fresh[fresh.length - 1]!.position;
          db.prepare(
            `INSERT INTO awslogs_positions (task_arn, container, position, region, log_group, log_stream) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (task_arn, container) DO UPDATE SET position = excluded.position, region = excluded.region, log_group = excluded.log_group, log_stream = excluded.log_stream`,
          ).run(d.taskArn, d.container, last, d.region, d.group, d.stream);
          return { position: last };
        })();
      } catch (err) {
        return { error: refusal(err) };
      }
    },
  };
}
