import type { Cluster, Failure, NetworkConfiguration, Task, TaskDefinition, TaskOverride } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { buildTask, networkModeOf, type NewTask } from "./task-builder.js";
import { saveTask } from "./task-store.js";
import { putTags } from "../tags.js";
import { reservationOf } from "../instances/instance-resources.js";
import { placeEc2Tasks } from "../placement/ec2-placement.js";
import type { StoredInstance } from "../instances/instance-store.js";
import { attributeValue } from "../instances/instance-store.js";
import { savePlacement } from "./task-placements.js";
import { saveWaitingPlacement } from "./waiting-placements.js";
import type { PlacementTarget } from "../placement/placement-request.js";

/** A batch of identical tasks, as RunTask, StartTask and the service scheduler ask for them. */
export interface TaskBatch extends Omit<NewTask, "clusterArn"> {
  cluster: Cluster;
  /** FARGATE or FARGATE_SPOT when a capacity provider strategy chose it. */
  capacityProviderName?: string;
  count: number;
  /** EC2 only: how the tasks find their instances. */
  placement: PlacementTarget;
  /**
   * EC2 with an Auto Scaling group provider: only that provider's instances take the tasks, and
   * those that do not fit are stored PROVISIONING without an instance (no failure) until the
   * capacity provider scaler places them.
   */
  waitForCapacity?: boolean;
}

/** The fields RunTask and StartTask take the same way from their requests. */
export function requestedTaskFields(
  input: { overrides?: TaskOverride; startedBy?: string; group?: string; networkConfiguration?: NetworkConfiguration; enableExecuteCommand?: boolean },
  def: TaskDefinition,
): Pick<TaskBatch, "overrides" | "startedBy" | "group" | "networkConfiguration" | "enableExecuteCommand"> {
  return {
    overrides: input.overrides ?? {},
    startedBy: input.startedBy,
    group: input.group ?? `family:${def.family}`,
    networkConfiguration: input.networkConfiguration,
    enableExecuteCommand: input.enableExecuteCommand ?? false,
  };
}

export interface CreatedTasks {
  /** Stored as PROVISIONING; launch them once the caller's transaction commits. */
  tasks: Task[];
  /** EC2: one entry per instance that could not take the first task that did not fit. */
  failures: Failure[];
  /** EC2: the cluster has no registered instance (RunTask answers that with an error). */
  empty: boolean;
}

/**
 * Builds, places and stores a batch of tasks inside the caller's transaction. EC2 tasks go on
 * container instances — as many as fit, with failures[] for the rest, as ECS starts the tasks it
 * could place — and hold their reservation from this moment; Fargate tasks need no instance.
 * Every task of one batch reserves the same, so the first one's reservation is the demand.
 */
export function createTasks(db: Db, b: TaskBatch): CreatedTasks {
  const build = () =>
    buildTask({
      scope: b.scope,
      clusterArn: b.cluster.clusterArn!,
      clusterName: b.clusterName,
      taskDefinition: b.taskDefinition,
      launchType: b.launchType,
      overrides: b.overrides,
      startedBy: b.startedBy,
      group: b.group,
      networkConfiguration: b.networkConfiguration,
      enableExecuteCommand: b.enableExecuteCommand,
      tags: b.tags,
      now: b.now,
    });
  if (b.count < 1) return { tasks: [], failures: [], empty: false };

  const first = build();
  const demand = b.launchType === "EC2" ? reservationOf(first, b.taskDefinition, networkModeOf(b.taskDefinition, b.launchType)) : undefined;
  const placed = demand ? placeEc2Tasks(db, b.scope, b.cluster, demand, b.group, b.count, b.placement, b.waitForCapacity ? b.capacityProviderName : undefined) : undefined;
  const slots: Array<StoredInstance | undefined> = placed ? [...placed.instances] : Array.from({ length: b.count }, () => undefined);
  if (b.waitForCapacity) while (slots.length < b.count) slots.push(undefined);
  const tasks: Task[] = [];
  slots.forEach((instance, i) => {
    const task = i === 0 ? first : build();
    if (b.capacityProviderName) task.capacityProviderName = b.capacityProviderName;
    if (instance) {
      task.containerInstanceArn = instance.instance.containerInstanceArn;
      task.availabilityZone = attributeValue(db, task.containerInstanceArn!, "ecs.availability-zone") ?? task.availabilityZone;
    }
    saveTask(db, b.scope, { ...task, tags: undefined });
    putTags(db, task.taskArn!, b.tags);
    if (instance) savePlacement(db, task.taskArn!, task.containerInstanceArn!, demand!);
    else if (b.waitForCapacity && b.placement.kind === "plan") saveWaitingPlacement(db, task.taskArn!, b.placement);
    tasks.push(task);
  });
  if (b.waitForCapacity) return { tasks, failures: [], empty: false };
  return { tasks, failures: placed?.failures ?? [], empty: placed?.empty ?? false };
}
