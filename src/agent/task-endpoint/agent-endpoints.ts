import type Docker from "dockerode";
import type { Logger } from "../../core/logger.js";
import type { TaskManager } from "../task-manager.js";
import { Netfilter } from "./netfilter.js";
import { createTaskEndpoint } from "./task-endpoint.js";
import { startApiRelay } from "./api-relay.js";
import { HostTaskRouting } from "./host-task-routing.js";
import { bridgeGateway } from "./bridge-gateway.js";
import { parseArn } from "../../core/arn.js";

export interface AgentEndpointsOptions {
  docker: Docker;
  log: Logger;
  /** Names this agent's netfilter rules (its label namespace). */
  berthId: string;
  managers: Map<string, TaskManager>;
  /** The Berth API this agent's tasks are pointed at (AWS_ENDPOINT_URL); undefined while unknown. */
  api: () => { host: string; port: number } | undefined;
}

/** What the task managers ask of the endpoints. */
export interface AgentEndpoints {
  /** Environment every container of the task gets besides its own (its own wins). */
  environment(m: TaskManager, container: string): Record<string, string>;
  /**
   * A host-mode task is about to start its containers: routes it to this agent (see
   * host-task-routing.ts) and resolves with the CgroupParent its containers must have, or
   * undefined where it cannot be routed.
   */
  routeHostTask(m: TaskManager): Promise<string | undefined>;
  /** The task's addresses are known (bridge, awsvpc), or it was adopted after a restart (every mode): routes it to this agent. */
  taskAddressed(m: TaskManager): Promise<void>;
  taskStopped(m: TaskManager): Promise<void>;
  close(): Promise<void>;
}

/**
 * The endpoints an agent offers its tasks, all on the Docker bridge's gateway address (reachable
 * from the host and its containers, not from the network): the credentials and metadata endpoint
 * (reached as 169.254.170.2 through netfilter) and the API relay behind AWS_ENDPOINT_URL.
 * Undefined, with a warning, where the engine has no default bridge.
 */
export async function startAgentEndpoints(o: AgentEndpointsOptions): Promise<AgentEndpoints | undefined> {
  let found: Awaited<ReturnType<typeof bridgeGateway>>;
  try {
    found = await bridgeGateway(await o.docker.getNetwork("bridge").inspect());
    if (!found) o.log.warn("the Docker bridge network has no IPv4 gateway address: tasks get no credentials or metadata endpoint and no AWS_ENDPOINT_URL");
  } catch (err) {
    o.log.warn({ err: (err as Error).message }, "no Docker bridge network: tasks get no credentials or metadata endpoint and no AWS_ENDPOINT_URL");
  }
  if (!found) return undefined;
  const { gateway, subnet } = found;
  const netfilter = new Netfilter(o.berthId, o.log);
  const endpoint = createTaskEndpoint({ docker: o.docker, log: o.log, managers: o.managers, netfilter, api: o.api });
  const port = await endpoint.listen(gateway);
  await netfilter.start(`${gateway}:${port}`);
  const hostRouting = new HostTaskRouting(o.docker, netfilter, o.berthId, o.log, o.api);
  const relay = await startApiRelay({ host: gateway, subnet, target: o.api, log: o.log });
  const apiUrl = `http://${gateway}:${relay.port}`;
  o.log.info({ endpoint: `${gateway}:${port}`, apiUrl }, "task endpoints listening on the Docker bridge gateway");
  return {
    environment(m, container) {
      // The task's region as Fargate sets it, so an SDK with nothing configured has one.
      const region = parseArn(m.plan.taskArn)?.region;
      return m.identity.environment(container, { AWS_ENDPOINT_URL: apiUrl, ...(region ? { AWS_REGION: region, AWS_DEFAULT_REGION: region } : {}) });
    },
    routeHostTask: (m) => hostRouting.route(m.plan.taskId),
    async taskAddressed(m) {
      if (m.plan.networkMode === "host") await hostRouting.route(m.plan.taskId);
      else await endpoint.taskAddressed(m);
    },
    async taskStopped(m) {
      if (m.plan.networkMode === "host") await hostRouting.unroute(m.plan.taskId);
      await endpoint.taskStopped(m);
    },
    async close() {
      await netfilter.removeAll().catch(() => {});
      await Promise.all([endpoint.close(), relay.close()]);
    },
  };
}
