import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { parseArn } from "../../core/arn.js";
import type { ContainerLog, TaskRunner } from "../../agent/protocol/task-runner.js";
import { findTask } from "./task-store.js";
import { definitionOfTask } from "./definition-of-task.js";

/** Reads a stream's messages back from CloudWatch Logs, oldest first (undefined: no such stream). */
export type LogStreamReader = (scope: Scope, group: string, stream: string) => string[] | undefined;

/**
 * `berth logs TASK`: each container's output in the task definition's order. Containers that log
 * with awslogs are read from CloudWatch Logs, where their output went (the stream awslogs_positions
 * recorded); the others from their agent, as the engine kept it.
 */
export async function taskLogs(db: Db, runner: TaskRunner, read: LogStreamReader | undefined, taskArn: string): Promise<ContainerLog[]> {
  const task = findTask(db, taskArn);
  const arn = parseArn(taskArn);
  const td = task?.taskDefinitionArn && arn ? definitionOfTask(db, { account: arn.account, region: arn.region }, task.taskDefinitionArn) : undefined;
  const defs = td?.containerDefinitions ?? [];
  const awslogs = new Set(defs.filter((c) => c.logConfiguration?.logDriver === "awslogs").map((c) => c.name!));
  if (!read || !arn || awslogs.size === 0) return runner.logs(taskArn);
  const fromAgent = awslogs.size < defs.length ? await runner.logs(taskArn) : [];
  const shipped = db.prepare("SELECT container, region, log_group, log_stream FROM awslogs_positions WHERE task_arn = ?").all(taskArn) as Array<{ container: string; region: string; log_group: string; log_stream: string }>;
  return defs.flatMap((c): ContainerLog[] => {
    if (!awslogs.has(c.name!)) return fromAgent.filter((l) => l.container === c.name);
    const where = shipped.find((s) => s.container === c.name);
    const messages = where ? (read({ account: arn.account, region: where.region }, where.log_group, where.log_stream) ?? []) : [];
    // Events are lines without their newline (a joined multiline event keeps its own).
    return [{ container: c.name!, text: messages.map((m) => (m.endsWith("\n") ? m : `${m}\n`)).join("") }];
  });
}
