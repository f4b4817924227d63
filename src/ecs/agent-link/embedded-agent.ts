import type Docker from "dockerode";
import type { Config } from "../../core/config.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { createDockerRunner } from "../../agent/docker-runner.js";
import { carriedRegistry } from "../../agent/launch-registry.js";
import { startAgentClient } from "../../agent/protocol/agent-client.js";
import { loopbackTransport, type AgentHandlers } from "../../agent/protocol/transport.js";
import { lateShipper } from "../../agent/protocol/log-shipper.js";
import { createUsageSampler } from "../../agent/usage-sampler.js";

export interface EmbeddedAgentOptions {
  /** The agent endpoint's embedded handlers (createAgentEndpoint(...).embedded). */
  endpoint: AgentHandlers;
  docker: Docker;
  config: Config;
  clock: Clock;
  log: Logger;
  /** The server's label namespace: the containers it starts carry it (see /_berth/reset). */
  berthId: string;
  dockerVersion: string;
  /** The server's bound address, once it listens: where the agent's tasks send their AWS calls (AWS_ENDPOINT_URL). */
  api: () => { host: string; port: number } | undefined;
}

/**
 * The agent inside the server's process: the same agent client and docker runner as
 * `berth agent`, speaking the same protocol, over the loopback transport instead of HTTP. It
 * runs every task not placed on a `berth agent` instance. Like a remote agent it holds no
 * registry secret: each launch brings the registry host and the pull passwords its images need.
 */
export function startEmbeddedAgent(o: EmbeddedAgentOptions): { close(): Promise<void> } {
  const registry = carriedRegistry();
  const logs = lateShipper();
  const runner = createDockerRunner({ docker: o.docker, config: o.config, log: o.log, clock: o.clock, berthId: o.berthId, registry, logs, api: o.api });
  const client = startAgentClient({
    transport: loopbackTransport(o.endpoint),
    runner,
    registry,
    usage: createUsageSampler(o.docker, o.berthId),
    log: o.log,
    // The embedded endpoint registers no instance from this: the server's instances are its
    // virtual ones and those registered through the API. It describes this host all the same.
    hello: { cluster: "", hostIp: o.config.hostIp, cpu: o.config.instanceCpu, memory: o.config.instanceMemory, agentVersion: "berth", dockerVersion: o.dockerVersion },
    onRegistered: () => {},
  });
  logs.attach(client.logs);
  return {
    async close() {
      client.close();
      await runner.close();
    },
  };
}
