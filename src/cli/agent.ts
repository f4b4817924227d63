import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, renameSync, existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, ConfigError, type Config } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { connectDocker } from "../agent/runtime/docker-engine.js";
import { createDockerRunner } from "../agent/docker-runner.js";
import { startAgentClient } from "../agent/protocol/agent-client.js";
import { lateShipper } from "../agent/protocol/log-shipper.js";
import { httpTransport } from "../agent/protocol/transport.js";
import { systemClock } from "../core/clock.js";
import { carriedRegistry } from "../agent/launch-registry.js";
import { createUsageSampler } from "../agent/usage-sampler.js";
import { makePrivate } from "../core/private-dir.js";
import { dockerShells } from "../agent/container-shell.js";
import { execRelay } from "../agent/exec-relay.js";

/** What an agent remembers across restarts, in <data-dir>/agent.json. */
interface AgentState {
  /** This agent's label namespace (berth.instance=...): never the server's, so neither touches the other's containers. */
  berthId: string;
  containerInstanceArn?: string;
}

function readState(dir: string): AgentState {
  const path = join(dir, "agent.json");
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as AgentState;
  return { berthId: `agent-${randomBytes(8).toString("hex")}` };
}

function writeState(dir: string, state: AgentState): void {
  const path = join(dir, "agent.json");
  writeFileSync(path + ".tmp", JSON.stringify(state));
  renameSync(path + ".tmp", path);
}

/**
 * `berth agent`: joins a Berth server as a container instance of one cluster and runs that
 * instance's tasks on this host's Docker engine, speaking only the agent protocol. Its tasks keep
 * running when it stops or restarts; it adopts them again on its next start.
 */
export async function agent(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      endpoint: { type: "string" },
      cluster: { type: "string", default: "default" },
      token: { type: "string" },
      "token-file": { type: "string" },
      "host-ip": { type: "string" },
      "data-dir": { type: "string", default: ".berth-agent" },
      "docker-socket": { type: "string" },
      "awsvpc-cidr": { type: "string" },
      "availability-zone": { type: "string" },
      "instance-type": { type: "string" },
      "instance-cpu": { type: "string" },
      "instance-memory": { type: "string" },
      "log-level": { type: "string" },
      // This host's own limits on what its tasks may do to it (see HostPolicy); the server's do not reach here.
      "no-allow-privileged": { type: "boolean" },
      "host-path-allow-list": { type: "string" },
      "allowed-capabilities": { type: "string" },
    },
    strict: true,
  });
  if (!values.endpoint) throw new ConfigError("berth agent needs --endpoint http://HOST:PORT");
  const flags: Partial<Record<keyof Config, unknown>> = {
    dataDir: values["data-dir"],
    hostIp: values["host-ip"],
    dockerSocket: values["docker-socket"],
    awsvpcCidr: values["awsvpc-cidr"],
    instanceType: values["instance-type"],
    instanceCpu: values["instance-cpu"],
    instanceMemory: values["instance-memory"],
    logLevel: values["log-level"],
    agentToken: values.token,
    agentTokenFile: values["token-file"],
    allowPrivileged: values["no-allow-privileged"] ? false : undefined,
    hostPathAllowList: values["host-path-allow-list"],
    allowedCapabilities: values["allowed-capabilities"],
  };
  const config = loadConfig({ flags, env });
  if (!config.agentToken) throw new ConfigError("berth agent needs the server's agent token: --token-file FILE, BERTH_AGENT_TOKEN or --token T");
  const log = createLogger(config.logLevel);
  if (values.token !== undefined) log.warn({ setting: "agentToken" }, "--token on the command line is visible to every local user (ps); use --token-file or BERTH_AGENT_TOKEN instead");
  // agent.json names this instance; whoever could rewrite it could take another's place.
  makePrivate(config.dataDir, (name) => name.startsWith("agent.json"));
  const state = readState(config.dataDir);
  writeState(config.dataDir, state);

  const docker = await connectDocker(config.dockerSocket);
  const dockerVersion = (await docker.version()).Version;
  // The agent holds no registry secret: each launch brings the registry host and pull passwords
  // for its own images, and the runner pulls with them (ECR URIs mapped as on the server).
  const registry = carriedRegistry();
  const logs = lateShipper();
  // This agent's tasks send their AWS calls (AWS_ENDPOINT_URL) to the server it joined.
  const server = new URL(values.endpoint);
  const api = { host: server.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(server.port || (server.protocol === "https:" ? 443 : 80)) };
  const runner = createDockerRunner({ docker, config, log: log.child({ component: "agent" }), clock: systemClock, berthId: state.berthId, registry, logs, api: () => api });
  const client = startAgentClient({
    transport: httpTransport(values.endpoint, config.agentToken),
    runner,
    registry,
    usage: createUsageSampler(docker, state.berthId),
    exec: execRelay({ endpoint: values.endpoint, token: config.agentToken, shells: dockerShells(docker, state.berthId), log: log.child({ component: "execute-command" }) }),
    log,
    hello: {
      cluster: values.cluster!,
      containerInstanceArn: state.containerInstanceArn,
      hostIp: config.hostIp,
      cpu: config.instanceCpu,
      memory: config.instanceMemory,
      availabilityZone: values["availability-zone"],
      instanceType: values["instance-type"],
      agentVersion: "berth",
      dockerVersion,
    },
    onRegistered(arn) {
      if (state.containerInstanceArn !== arn) writeState(config.dataDir, { ...state, containerInstanceArn: arn });
      state.containerInstanceArn = arn;
      log.info({ containerInstanceArn: arn, berthId: state.berthId, hostIp: config.hostIp }, "berth agent is up");
    },
  });
  logs.attach(client.logs);
  const shutdown = async () => {
    client.close();
    await runner.close();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
