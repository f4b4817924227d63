import type { Failure, RunTaskRequest, Task, TaskDefinition, Tag } from "@aws-sdk/client-ecs";
import type { RequestContext } from "../aws/request-context.js";
import type { EcsDeps } from "./deps.js";
import { clusterNameOf, requireActiveCluster } from "./cluster-store.js";
import { resolveTaskDefinition } from "./task-definition-store.js";
import { invalidParameter } from "./errors.js";
import { buildTask, networkModeOf } from "./task-builder.js";
import { findTask, saveTask } from "./task-store.js";
import { getTags, putTags, validateTags } from "./tags.js";
import { recall, remember } from "./idempotency.js";
import { presentTask } from "./task-view.js";
import { reservationOf } from "./instance-resources.js";
import { placeEc2Tasks } from "./ec2-placement.js";
import { attributeValue, type StoredInstance } from "./instance-store.js";
import { savePlacement } from "./task-placements.js";

type LaunchType = "EC2" | "FARGATE";

/** RunTask: validates everything first, stores the tasks in one transaction, then asks the runner. */
export function runTaskHandler({ db, clock, runner }: EcsDeps) {
  return (input: RunTaskRequest, ctx: RequestContext) => {
    const count = input.count ?? 1;
    if (count < 1 || count > 10) throw invalidParameter("count must be between 1 and 10.");
    if (input.startedBy !== undefined && input.startedBy.length > 128) throw invalidParameter("startedBy must be at most 128 characters.");
    if (input.group !== undefined && input.group.length > 255) throw invalidParameter("group must be at most 255 characters.");
    validateTags(input.tags);

    const stored = db.transaction(() => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const { hash, stored: previous } = recall<string[]>(db, ctx, "RunTask", input.clientToken, input);
      if (previous) {
        return { tasks: previous.map((arn) => findTask(db, arn)).filter((t): t is Task => !!t), fresh: [] as Task[], def: undefined, failures: [] as Failure[] };
      }

      const def = resolveTaskDefinition(db, ctx, input.taskDefinition!);
      if (!def || def.status === "DELETE_IN_PROGRESS") throw invalidParameter("TaskDefinition not found.");
      const launchType = chooseLaunchType(input);
      checkCompatibility(def, launchType, input);
      const tags = tagsFor(db, def, input);

      const clusterName = clusterNameOf(ctx, input.cluster);
      const build = () =>
        buildTask({
          scope: ctx,
          clusterArn: cluster.clusterArn!,
          clusterName,
          taskDefinition: def,
          launchType,
          overrides: input.overrides ?? {},
          startedBy: input.startedBy,
          group: input.group ?? `family:${def.family}`,
          networkConfiguration: input.networkConfiguration,
          enableExecuteCommand: input.enableExecuteCommand ?? false,
          tags,
          now: clock.now(),
        });

      // EC2 tasks go on container instances: as many as fit, and failures[] for the rest (ECS
      // starts the tasks it could place). Every task of one call reserves the same.
      const first = build();
      const demand = launchType === "EC2" ? reservationOf(first, def, networkModeOf(def, launchType)) : undefined;
      const placed: { instances: Array<StoredInstance | undefined>; failures: Failure[] } = demand
        ? placeEc2Tasks(db, ctx, cluster, demand, count)
        : { instances: Array<StoredInstance | undefined>(count).fill(undefined), failures: [] };
      const tasks: Task[] = [];
      placed.instances.forEach((instance, i) => {
        const task = i === 0 ? first : build();
        if (input.capacityProviderStrategy?.length) task.capacityProviderName = input.capacityProviderStrategy[0]!.capacityProvider;
        if (instance) {
          task.containerInstanceArn = instance.instance.containerInstanceArn;
          task.availabilityZone = attributeValue(db, task.containerInstanceArn!, "ecs.availability-zone") ?? task.availabilityZone;
        }
        saveTask(db, ctx, { ...task, tags: undefined });
        putTags(db, task.taskArn!, tags);
        if (instance) savePlacement(db, task.taskArn!, task.containerInstanceArn!, demand!);
        tasks.push(task);
      });
      remember(db, ctx, "RunTask", input.clientToken, hash, tasks.map((t) => t.taskArn), clock.now());
      return { tasks, fresh: tasks, def, failures: placed.failures };
    })();

    // Launch only after the tasks are committed: the runner's first report must find them.
    for (const task of stored.fresh) runner.launch({ task: { ...task, tags: undefined }, taskDefinition: stored.def! });
    return {
      tasks: stored.tasks.map((t) => presentTask({ ...t, tags: getTags(db, t.taskArn!) }, true)),
      failures: stored.failures,
    };
  };
}

function chooseLaunchType(input: RunTaskRequest): LaunchType {
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw invalidParameter("Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
  }
  if (input.capacityProviderStrategy?.length) {
    const names = input.capacityProviderStrategy.map((s) => s.capacityProvider);
    const unknown = names.find((n) => n !== "FARGATE" && n !== "FARGATE_SPOT");
    if (unknown) throw invalidParameter(`The specified capacity provider ${unknown} was not found.`);
    return "FARGATE";
  }
  const lt = input.launchType ?? "EC2";
  if (lt !== "EC2" && lt !== "FARGATE") throw invalidParameter(`Launch type ${lt} is not supported by Berth.`);
  return lt;
}

function checkCompatibility(def: TaskDefinition, launchType: LaunchType, input: RunTaskRequest) {
  if (launchType === "FARGATE" && !def.compatibilities?.includes("FARGATE")) {
    throw invalidParameter("Task definition does not support launch_type FARGATE.");
  }
  if (launchType === "EC2" && !def.compatibilities?.includes("EC2")) {
    throw invalidParameter("Task definition does not support launch_type EC2.");
  }
  const awsvpc = networkModeOf(def, launchType) === "awsvpc";
  const vpc = input.networkConfiguration?.awsvpcConfiguration;
  if (awsvpc && !vpc?.subnets?.length) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (!awsvpc && input.networkConfiguration) {
    throw invalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
  }
  if (vpc && vpc.subnets!.length > 16) throw invalidParameter("subnets can have at most 16 items.");
  if (vpc && (vpc.securityGroups?.length ?? 0) > 5) throw invalidParameter("securityGroups can have at most 5 items.");
  const names = new Set(def.containerDefinitions?.map((c) => c.name));
  for (const o of input.overrides?.containerOverrides ?? []) {
    if (!o.name || !names.has(o.name)) {
      throw invalidParameter(`Override for container named ${o.name ?? ""} is not a container in the TaskDefinition.`);
    }
    if (o.memory !== undefined && o.memory < 6) throw invalidParameter("Invalid 'memory' setting in container override: must be at least 6 MiB.");
    if (o.memory !== undefined && o.memoryReservation !== undefined && o.memoryReservation > o.memory) {
      throw invalidParameter(`The memory reservation of container ${o.name} must be less than or equal to its memory.`);
    }
  }
}

function tagsFor(db: EcsDeps["db"], def: TaskDefinition, input: RunTaskRequest): Tag[] {
  if (input.propagateTags === "SERVICE") throw invalidParameter("propagateTags SERVICE is only valid for tasks started by a service.");
  const own = input.tags ?? [];
  if (input.propagateTags !== "TASK_DEFINITION") return own;
  const inherited = getTags(db, def.taskDefinitionArn!).filter((t) => !own.some((o) => o.key === t.key));
  const all = [...inherited, ...own];
  validateTags(all);
  return all;
}
