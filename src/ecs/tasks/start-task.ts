import type { StartTaskRequest } from "@aws-sdk/client-ecs";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { clientException, invalidParameter } from "../errors.js";
import { validateTags, getTags } from "../tags.js";
import { presentTask } from "./task-view.js";
import { instanceArnOf } from "../instances/instance-refs.js";
import { checkCompatibility, checkHostPowers, propagatedTags } from "./launch-options.js";
import { createTasks, requestedTaskFields } from "./task-creation.js";

/**
 * StartTask: one EC2 task on each container instance the caller names, checked as placement
 * checks them (status, agent, cpu, memory, ports) but with no strategy; an instance that cannot
 * take its task is a failure with ECS's reason, and the others still start.
 */
export function startTaskHandler({ db, clock, runner, config }: EcsDeps) {
  return (input: StartTaskRequest, ctx: RequestContext) => {
    const refs = input.containerInstances ?? [];
    if (refs.length === 0) throw invalidParameter("Container instances cannot be empty.");
    if (refs.length > 10) throw invalidParameter("containerInstances can have at most 10 items.");
    if (input.startedBy !== undefined && input.startedBy.length > 128) throw invalidParameter("startedBy must be at most 128 characters.");
    if (input.group !== undefined && input.group.length > 255) throw invalidParameter("group must be at most 255 characters.");
    validateTags(input.tags);

    const stored = db.transaction(() => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const clusterName = clusterNameOf(ctx, input.cluster);
      const def = resolveTaskDefinition(db, ctx, input.taskDefinition!);
      if (!def || def.status === "DELETE_IN_PROGRESS") throw clientException("TaskDefinition not found.");
      checkCompatibility(def, "EC2", input);
      checkHostPowers(def, "EC2", config);
      if (input.propagateTags === "SERVICE") throw invalidParameter("propagateTags SERVICE is only valid for tasks started by a service.");
      const tags = propagatedTags(db, input.propagateTags, input.tags, def);
      // A reference that cannot name an instance of this cluster is passed on as given: it is MISSING.
      const instanceArns = refs.map((ref) => instanceArnOf(ctx, clusterName, ref) ?? ref);
      const created = createTasks(db, {
        scope: ctx,
        cluster,
        clusterName,
        taskDefinition: def,
        launchType: "EC2",
        count: instanceArns.length,
        ...requestedTaskFields(input, def),
        tags,
        now: clock.now(),
        placement: { kind: "instances", instanceArns },
      });
      return { ...created, def };
    })();

    for (const task of stored.tasks) runner.launch({ task: { ...task, tags: undefined }, taskDefinition: stored.def });
    return {
      tasks: stored.tasks.map((t) => presentTask({ ...t, tags: getTags(db, t.taskArn!) }, true)),
      failures: stored.failures,
    };
  };
}
