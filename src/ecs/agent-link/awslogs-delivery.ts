import type { Db } from "../../store/database.js";
import type { Logger } from "../../core/logger.js";
import { parseArn, type Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import type { LogSink } from "../../logs/log-sink.js";
import type { LogDestination } from "../../agent/protocol/log-shipper.js";
import type { LogBatchReply, LogOpenReply } from "../../agent/protocol/messages.js";
import type { ShippedEvent } from "../../agent/awslogs/log-event-builder.js";
import { isShipped } from "../../agent/awslogs/log-position.js";

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

export function createAwslogsDelivery({ db, sink, log }: { db: Db; sink: LogSink; log: Logger }): AwslogsDelivery {
  const position = (taskArn: string, container: string) =>
    (db.prepare("SELECT position FROM awslogs_positions WHERE task_arn = ? AND container = ?").get(taskArn, container) as { position: string } | undefined)?.position;
  const known = (taskArn: string) => db.prepare("SELECT 1 FROM tasks WHERE arn = ?").get(taskArn) !== undefined;
  const unknownTask = { code: "ResourceNotFoundException", message: "The task is not known to this Berth." };

  return {
    position,
    open(d) {
      const scope = scopeOf(d);
      if (!scope || !known(d.taskArn)) return { error: unknownTask };
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
      if (dropped) log.warn({ taskArn: d.taskArn, container: d.container, dropped }, "awslogs mode non-blocking: the agent dropped lines");
      try {
        return db.transaction((): LogBatchReply => {
          // A task the store forgot (stopped long ago): nothing to keep its output for.
          if (!known(d.taskArn)) return {};
          const stored = position(d.taskArn, d.container);
          // Positions only grow along a batch: everything after the first new event is new too.
          const first = events.findIndex((e) => !isShipped(e.position, stored));
          const fresh = first < 0 ? [] : events.slice(first);
          if (fresh.length === 0) return stored === undefined ? {} : { position: stored };
          sink.ensureStream(scope, d.group, d.stream);
          sink.append(scope, d.group, d.stream, fresh.map((e) => ({ timestamp: e.timestamp, message: e.message })));
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
