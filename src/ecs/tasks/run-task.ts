import type { Failure, RunTaskRequest, Task } from "@aws-sdk/client-ecs";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { clientException, invalidParameter } from "../errors.js";
import { checkCompatibility, checkHostPowers, chooseLaunchType, propagatedTags } from "./launch-options.js";
import { findTask } from "./task-store.js";
import { getTags, validateTags } from "../tags.js";
import { recall, remember } from "../idempotency.js";
import { presentTask } from "./task-view.js";
import { createTasks, requestedTaskFields } from "./task-creation.js";
import { findProvider } from "../capacity-providers/capacity-provider-store.js";
import { groupByProvider, splitByStrategy } from "../capacity-providers/capacity-provider-split.js";
import { constraintsFor, validatePlacement } from "../placement/placement-request.js";

/** RunTask: validates everything first, stores the tasks in one transaction, then asks the runner. */
export function runTaskHandler({ db, clock, runner, log, config }: EcsDeps) {
  return (input: RunTaskRequest, ctx: RequestContext) => {
    const count = input.count ?? 1;
    if (count < 1 || count > 10) throw invalidParameter("count must be between 1 and 10.");
    if (input.startedBy !== undefined && input.startedBy.length > 128) throw invalidParameter("startedBy must be at most 128 characters.");
    if (input.group !== undefined && input.group.length > 255) throw invalidParameter("group must be at most 255 characters.");
    validateTags(input.tags);
    validatePlacement(input.placementConstraints, input.placementStrategy);

    const stored = db.transaction(() => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const { hash, stored: previous } = recall<string[]>(db, ctx, "RunTask", input.clientToken, input);
      if (previous) {
        return { tasks: previous.map((arn) => findTask(db, arn)).filter((t): t is Task => !!t), fresh: [] as Task[], def: undefined, failures: [] as Failure[] };
      }

      const def = resolveTaskDefinition(db, ctx, input.taskDefinition!);
      if (!def || def.status === "DELETE_IN_PROGRESS") throw clientException("TaskDefinition not found.");
      const providers = { asgProviderExists: (name: string) => findProvider(db, ctx, name)?.status === "ACTIVE", associated: cluster.capacityProviders ?? [] };
      const { launchType } = chooseLaunchType(input, providers);
      // RunTask without a launch type or strategy uses the cluster's default strategy, as ECS does.
      const strategy = input.capacityProviderStrategy?.length ? input.capacityProviderStrategy : !input.launchType && cluster.defaultCapacityProviderStrategy?.length ? cluster.defaultCapacityProviderStrategy : undefined;
      const chosen = strategy ? chooseLaunchType({ capacityProviderStrategy: strategy }, providers).launchType : launchType;
      checkCompatibility(def, chosen, input);
      checkHostPowers(def, chosen, config);
      if (input.propagateTags === "SERVICE") throw invalidParameter("propagateTags SERVICE is only valid for tasks started by a service.");
      const tags = propagatedTags(db, input.propagateTags, input.tags, def);

      // One batch per provider, in the split ECS makes; without a strategy, one batch.
      const batches = strategy ? groupByProvider(splitByStrategy(strategy, count)) : [{ provider: undefined, count }];
      const created = { tasks: [] as Task[], failures: [] as Failure[], empty: false };
      for (const batch of batches) {
        const made = createTasks(db, {
          scope: ctx,
          cluster,
          clusterName: clusterNameOf(ctx, input.cluster),
          taskDefinition: def,
          launchType: chosen,
          capacityProviderName: batch.provider,
          // Auto Scaling group providers: tasks that do not fit wait in PROVISIONING for the scaler.
          waitForCapacity: chosen === "EC2" && batch.provider !== undefined,
          count: batch.count,
          ...requestedTaskFields(input, def),
          tags,
          now: clock.now(),
          // The request id seeds every random choice, so the decision can be replayed from the log.
          placement: { kind: "plan", constraints: constraintsFor(def, input.placementConstraints), strategies: input.placementStrategy ?? [], seed: ctx.requestId },
        });
        created.tasks.push(...made.tasks);
        created.failures.push(...made.failures);
        created.empty ||= made.empty;
      }
      // As ECS answers RunTask on a cluster without instances (an error, not failures[]).
      if (created.empty) throw invalidParameter("No Container Instances were found in your cluster.");
      const tasks = created.tasks;
      if (chosen === "EC2") {
        log.debug({ seed: ctx.requestId, placed: tasks.map((t) => t.containerInstanceArn), failures: created.failures }, "RunTask placement");
      }
      remember(db, ctx, "RunTask", input.clientToken, hash, tasks.map((t) => t.taskArn), clock.now());
      return { tasks, fresh: tasks, def, failures: created.failures };
    })();

    // Launch only after the tasks are committed: the runner's first report must find them.
    // Tasks waiting for capacity launch once the capacity provider scaler has placed them.
    for (const task of stored.fresh.filter((t) => t.launchType === "FARGATE" || t.containerInstanceArn)) runner.launch({ task: { ...task, tags: undefined }, taskDefinition: stored.def! });
    return {
      tasks: stored.tasks.map((t) => presentTask({ ...t, tags: getTags(db, t.taskArn!) }, true)),
      failures: stored.failures,
    };
  };
}
