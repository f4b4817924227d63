import type { DescribeTasksRequest, Failure, ListTasksRequest, StopTaskRequest, Task } from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { awaitsDrain, findTask, saveTask, taskArnOf } from "./task-store.js";
import { getTags } from "../tags.js";
import { paginate } from "../pagination.js";
import { presentTask } from "./task-view.js";
import { runTaskHandler } from "./run-task.js";
import { startTaskHandler } from "./start-task.js";
import { instanceArnOf } from "../instances/instance-refs.js";
import { ON_INSTANCE } from "./task-placements.js";
import { serviceArnOf } from "../services/service-store.js";

export function taskHandlers(deps: EcsDeps): Record<string, Handler> {
  const { db, runner } = deps;
  return {
    RunTask: runTaskHandler(deps),
    StartTask: startTaskHandler(deps),

    StopTask: (input: StopTaskRequest, ctx: RequestContext) => {
      if (input.reason !== undefined && input.reason.length > 255) throw invalidParameter("reason must be at most 255 characters.");
      const { task, changed } = db.transaction(() => {
        requireActiveCluster(db, ctx, input.cluster);
        const arn = taskArnOf(ctx, clusterNameOf(ctx, input.cluster), input.task!);
        const task = arn ? findTask(db, arn) : undefined;
        if (!task) throw invalidParameter("The referenced task was not found.");
        if (task.desiredStatus === "STOPPED") return { task, changed: false };
        const stopped: Task = {
          ...task,
          desiredStatus: "STOPPED",
          stopCode: task.stopCode ?? "UserInitiated",
          stoppedReason: task.stoppedReason ?? input.reason ?? "Task stopped by user",
          version: (task.version ?? 0) + 1,
        };
        saveTask(db, ctx, stopped);
        return { task: stopped, changed: true };
      })();
      // A service task registered with a load balancer is deregistered first, and stopped once its
      // targets drained: the service scheduler does both (service-targets.ts).
      if (changed && !awaitsDrain(task)) runner.stop(task.taskArn!, { stopCode: "UserInitiated", reason: task.stoppedReason! });
      return { task: presentTask({ ...task, tags: getTags(db, task.taskArn!) }, true) };
    },

    DescribeTasks: (input: DescribeTasksRequest, ctx: RequestContext) => {
      const refs = input.tasks ?? [];
      if (refs.length === 0) throw invalidParameter("Tasks cannot be empty.");
      if (refs.length > 100) throw invalidParameter("tasks can have at most 100 items.");
      requireActiveCluster(db, ctx, input.cluster);
      const clusterName = clusterNameOf(ctx, input.cluster);
      const withTags = input.include?.includes("TAGS") ?? false;
      const tasks: Task[] = [];
      const failures: Failure[] = [];
      for (const ref of refs) {
        const arn = taskArnOf(ctx, clusterName, ref);
        const task = arn ? findTask(db, arn) : undefined;
        if (task) tasks.push(presentTask({ ...task, tags: withTags ? getTags(db, task.taskArn!) : undefined }, withTags));
        else failures.push({ arn: arn ?? ref, reason: "MISSING" });
      }
      return { tasks, failures };
    },

    ListTasks: (input: ListTasksRequest, ctx: RequestContext) => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      if (input.family && input.startedBy) throw invalidParameter("You can specify either family or startedBy, not both.");
      const where = ["account = ?", "region = ?", "cluster_arn = ?"];
      const args: unknown[] = [ctx.account, ctx.region, cluster.clusterArn];
      const desired = input.desiredStatus ?? "RUNNING";
      // As ECS documents: filtering on PENDING is accepted but never returns anything.
      where.push(desired === "PENDING" ? "0" : "desired_status = ?");
      if (desired !== "PENDING") args.push(desired);
      if (input.family) (where.push("family = ?"), args.push(input.family));
      if (input.startedBy) (where.push("started_by = ?"), args.push(input.startedBy));
      if (input.launchType) (where.push("launch_type = ?"), args.push(input.launchType));
      if (input.containerInstance) {
        const instance = instanceArnOf(ctx, clusterNameOf(ctx, input.cluster), input.containerInstance);
        where.push(instance ? ON_INSTANCE : "0");
        if (instance) args.push(instance);
      }
      if (input.serviceName) {
        const service = serviceArnOf(ctx, clusterNameOf(ctx, input.cluster), input.serviceName);
        where.push(service ? "arn IN (SELECT task_arn FROM service_tasks WHERE service_arn = ?)" : "0");
        if (service) args.push(service);
      }
      const arns = (db.prepare(`SELECT arn FROM tasks WHERE ${where.join(" AND ")} ORDER BY seq`).all(...args) as Array<{ arn: string }>).map((r) => r.arn);
      const { page, nextToken } = paginate(arns, input);
      return { taskArns: page, nextToken };
    },
  };
}
