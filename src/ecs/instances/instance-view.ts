import type { ContainerInstance } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { StoredInstance } from "./instance-store.js";
import { instanceAttributes } from "./instance-store.js";
import { capacityOf, remainingOf, resourcesOf } from "./instance-resources.js";
import { instanceUsage } from "../tasks/task-placements.js";
import { getTags } from "../tags.js";

/**
 * Instances as the API shows them. Counts and remaining resources come from the tasks placed on
 * each instance, so they are always true; `include` adds TAGS and CONTAINER_INSTANCE_HEALTH.
 */
export function presentInstances(db: Db, stored: StoredInstance[], include: string[] = [], now = new Date()): ContainerInstance[] {
  const usage = instanceUsage(db, stored.map((s) => s.instance.containerInstanceArn!));
  return stored.map(({ instance }) => {
    const arn = instance.containerInstanceArn!;
    const u = usage.get(arn)!;
    const remaining = remainingOf(capacityOf(instance.registeredResources), u.reservations);
    // A task placed before the instance was re-registered smaller can leave a debt; ECS never shows one.
    remaining.cpu = Math.max(0, remaining.cpu);
    remaining.memory = Math.max(0, remaining.memory);
    return {
      ...instance,
      remainingResources: resourcesOf(remaining),
      runningTasksCount: u.running,
      pendingTasksCount: u.pending,
      attributes: instanceAttributes(db, arn),
      tags: include.includes("TAGS") ? getTags(db, arn) : undefined,
      healthStatus: include.includes("CONTAINER_INSTANCE_HEALTH") ? health(instance, now) : undefined,
    };
  });
}

/** Berth watches one thing an instance's health depends on: whether its agent (the engine's) is connected. */
function health(instance: ContainerInstance, now: Date): ContainerInstance["healthStatus"] {
  const status = instance.agentConnected ? "OK" : "INSUFFICIENT_DATA";
  return {
    overallStatus: status,
    details: [{ type: "CONTAINER_RUNTIME", status, lastUpdated: now, lastStatusChange: instance.registeredAt }],
  };
}
