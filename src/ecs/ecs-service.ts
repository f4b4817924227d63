import type { ServiceRevision } from "@aws-sdk/client-ecs";
import type { JsonService } from "../aws/json-gateway.js";
import { loadModel } from "../aws/model.js";
import type { EcsDeps } from "./deps.js";
import { clusterHandlers } from "./clusters/clusters.js";
import { taskDefinitionHandlers } from "./task-definitions/task-definitions.js";
import { taskHandlers } from "./tasks/tasks.js";
import { taggingHandlers } from "./tagging.js";
import { containerInstanceHandlers } from "./instances/container-instances.js";
import { attributeHandlers } from "./instances/attributes.js";
import { serviceHandlers, type ServiceScheduler } from "./services/services.js";
import { capacityProviderHandlers } from "./capacity-providers/capacity-providers.js";
import { asgCapacityProviderHandlers } from "./capacity-providers/asg-capacity-providers.js";
import { taskProtectionHandlers } from "./tasks/task-protection.js";
import { accountSettingHandlers } from "./account-settings/account-settings.js";
import { agentOperationHandlers } from "./agent-link/agent-operations.js";
import { daemonTaskDefinitionHandlers } from "./daemons/daemon-task-definitions.js";
import { daemonHandlers, type DaemonScheduler } from "./daemons/daemons.js";
import { expressGateway, type ExpressApis } from "./express/express-gateway.js";
import { executeCommandHandlers } from "./execute-command/execute-command.js";
import type { ExecSessions } from "./execute-command/exec-sessions.js";
import type { ContainerShells } from "../agent/container-shell.js";

/**
 * The ECS API: the official model plus the handlers of each resource, each in its own file.
 * `dockerVersion` is the local engine's, which instances registered without versionInfo report;
 * `scheduler` is told when a service changes, so that it decides again at once; `baseUrl` is
 * this server's address, which DiscoverPollEndpoint gives agents; `daemons` is told when a daemon
 * changes; `otherApis` are the handlers of ELBv2, Application Auto Scaling, CloudWatch and
 * CloudWatch Logs, through which Express Mode makes its load balancer, scaling, alarm and log group; `execute` issues ExecuteCommand's sessions and
 * reaches tasks' containers (without it ExecuteCommand is not offered).
 */
export function createEcsService(
  deps: EcsDeps,
  { dockerVersion = "unknown", scheduler = { poke: () => {} }, daemons = { poke: () => {} }, baseUrl = () => "http://127.0.0.1:4566", otherApis, execute }: {
    dockerVersion?: string; scheduler?: ServiceScheduler; daemons?: DaemonScheduler; baseUrl?: () => string; otherApis?: () => Omit<ExpressApis, "ecs">;
    execute?: { sessions: ExecSessions; shells: ContainerShells };
  } = {},
): JsonService & { recoverExpress(): Promise<void> } {
  const handlers: JsonService["handlers"] = {
    ...clusterHandlers(deps),
    ...taskDefinitionHandlers(deps),
    ...taskHandlers(deps),
    ...taggingHandlers(deps),
    ...containerInstanceHandlers(deps, { dockerVersion }),
    ...attributeHandlers(deps),
    ...serviceHandlers(deps, scheduler),
    ...capacityProviderHandlers(deps),
    ...asgCapacityProviderHandlers(deps),
    ...taskProtectionHandlers(deps),
    ...accountSettingHandlers(deps),
    ...agentOperationHandlers(deps, { baseUrl }),
    ...daemonTaskDefinitionHandlers(deps),
    ...daemonHandlers(deps, daemons),
  };
  if (execute) Object.assign(handlers, executeCommandHandlers({ db: deps.db, ...execute, baseUrl }));
  const express = otherApis && expressGateway(deps, () => ({ ecs: handlers, ...otherApis() }));
  if (express) {
    Object.assign(handlers, express.handlers);
    // An express service's revisions name what Express Mode made for it (ecsManagedResources).
    const describeRevisions = handlers.DescribeServiceRevisions!;
    handlers.DescribeServiceRevisions = async (input, ctx) => {
      const out = (await describeRevisions(input, ctx)) as { serviceRevisions: ServiceRevision[] };
      for (const revision of out.serviceRevisions) {
        const managed = await express.managedResources(revision.serviceArn!, new Date(revision.createdAt!), ctx);
        if (managed) revision.ecsManagedResources = managed;
      }
      return out;
    };
  }
  // Express Mode's creates and deletes a restart interrupted are undone or finished once the server runs.
  return { model: loadModel("ecs"), handlers, recoverExpress: async () => express?.recover() };
}
