import type { Task } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { emitEvent } from "../../store/outbox.js";

const TIMESTAMPS = ["createdAt", "pullStartedAt", "pullStoppedAt", "startedAt", "stoppingAt", "stoppedAt", "executionStoppedAt", "connectivityAt"] as const;

/**
 * The detail of an "ECS Task State Change" event: the task as DescribeTasks shows it (timestamps
 * as ISO strings), with updatedAt, without tags and without what only Berth stores.
 */
export function taskStateChangeDetail(task: Task): { detail: Record<string, unknown>; time: Date } {
  const times = TIMESTAMPS.map((f) => task[f]).filter((d): d is Date => d instanceof Date || typeof d === "string").map((d) => new Date(d).getTime());
  const updatedAt = new Date(times.length ? Math.max(...times) : Date.now());
  const { tags: _tags, ...rest } = task;
  const detail = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  delete detail.stoppedWhileDown;
  delete detail.loadBalancerTargets;
  detail.updatedAt = updatedAt.toISOString();
  return { detail, time: updatedAt };
}

export function emitTaskStateChange(db: Db, scope: Scope, task: Task): void {
  const { detail, time } = taskStateChangeDetail(task);
  emitEvent(db, scope, { source: "aws.ecs", detailType: "ECS Task State Change", resources: [task.taskArn!], detail, time });
}
