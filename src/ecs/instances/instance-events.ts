import type { ContainerInstance } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { emitEvent } from "../../store/outbox.js";

/** What makes ECS send an "ECS Container Instance State Change": status, agent connection, tasks (resources). */
const watched = (i: ContainerInstance) => JSON.stringify([i.status, i.agentConnected, i.runningTasksCount, i.pendingTasksCount, i.agentUpdateStatus]);

/**
 * The event's detail is the container instance as DescribeContainerInstances shows it (timestamps
 * as ISO strings), with the cluster's ARN and updatedAt, as the Developer Guide's example shows.
 */
export function emitInstanceChange(db: Db, scope: Scope, clusterArn: string, before: ContainerInstance | undefined, after: ContainerInstance, at = new Date()): void {
  if (before && watched(before) === watched(after)) return;
  const detail = JSON.parse(JSON.stringify({ ...after, tags: undefined })) as Record<string, unknown>;
  detail.clusterArn = clusterArn;
  detail.updatedAt = at.toISOString();
  emitEvent(db, scope, { source: "aws.ecs", detailType: "ECS Container Instance State Change", resources: [after.containerInstanceArn!], detail, time: at });
}
