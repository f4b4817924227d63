import type { Db } from "../../store/database.js";
import { metricsPublishSeconds, type Config } from "../../core/config.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { AGENT_PROTOCOL_VERSION, reviveReport, type Command, type HelloReply, type Sequenced, type TaskUsage } from "../../agent/protocol/messages.js";
import { launchRegistry, type RegistryIssuer } from "../../agent/launch-registry.js";
import type { Principal } from "../../aws/request-context.js";
import { AgentRefused, SessionLost, type AgentHandlers } from "../../agent/protocol/transport.js";
import { AgentSession } from "./agent-session.js";
import { reconcileCommands, registerAgent } from "./remote-agent-hello.js";
import { setConnected } from "./remote-agent-liveness.js";
import { EMBEDDED_AGENT, type AgentRunner } from "./agent-runner.js";
import type { AwslogsDelivery } from "./awslogs-delivery.js";

const NO_LOGS = { code: "ServiceUnavailableException", message: "This Berth has no CloudWatch Logs store." };
import type { LaunchSpec, StopCode } from "../../agent/protocol/task-runner.js";
import type { LaunchResources } from "../../agent/protocol/launch-resources.js";
import { withDefaultLogDriverMode } from "../account-settings/log-driver-mode.js";
import type { TaskCredentials } from "../task-credentials/task-credentials.js";

export interface AgentEndpoint {
  /** For `berth agent` processes, over HTTP (src/ecs/agent-link/agent-routes.ts). */
  remote: AgentHandlers;
  /** For the embedded agent, over the loopback transport: the same handlers, but its hello registers no instance. */
  embedded: AgentHandlers;
}

export interface AgentEndpointDeps {
  db: Db;
  config: Config;
  clock: Clock;
  log: Logger;
  runner: AgentRunner;
  /** Berth's registry, when the server has one: launches carry its host and pull passwords. */
  registry?: RegistryIssuer;
  /**
   * With iamEnforcement: the session of the task's execution role, to which its pull passwords
   * are issued (the registry then authorizes each pull as that role); undefined: the account's.
   */
  pullPrincipal?: (spec: LaunchSpec) => Principal | undefined;
  /** Where awslogs output is stored (CloudWatch Logs), when the server has it. */
  awslogs?: AwslogsDelivery;
  /** Resolves a launch's secrets (src/ecs/tasks/task-secrets.ts), as the launch is delivered. */
  resources?: (spec: LaunchSpec) => LaunchResources | undefined;
  /** Task role sessions, when the server has IAM roles: launches of tasks with a taskRoleArn carry theirs. */
  credentials?: TaskCredentials;
}

/**
 * The server's end of the agent protocol, independent of transport. Remote and embedded agents
 * share polls, reports and logs; they differ in hello only, and neither can use the other's
 * session.
 */
export function createAgentEndpoint({ db, config, clock, log, runner, registry, pullPrincipal, resources, credentials, awslogs }: AgentEndpointDeps): AgentEndpoint {
  // Three polls per heartbeat timeout: one lost poll never makes a healthy agent look silent.
  const pollMs = Math.max(500, Math.floor((config.agentHeartbeatTimeoutSeconds * 1000) / 3));

  /** The session a request names, refreshed as a heartbeat. */
  function sessionOf(req: { containerInstanceArn: string; session: string }, embedded: boolean): AgentSession {
    const s = runner.sessions.get(req.containerInstanceArn);
    if (!s || s.id !== req.session || (s.containerInstanceArn === EMBEDDED_AGENT) !== embedded) throw new SessionLost("unknown agent session; say hello again");
    s.lastSeen = clock.now().getTime();
    if (!embedded) setConnected(db, s.containerInstanceArn, true);
    return s;
  }

  /**
   * A launch gets the registry host and pull passwords for its images as it is delivered, not
   * when it was queued: a launch that waited for an agent away for hours still pulls with a
   * password valid for 12 hours from now. The signing secret never leaves the server.
   */
  const delivered = (c: Sequenced<Command>): Sequenced<Command> => {
    if (c.body.type === "recover") return { seq: c.seq, body: { ...c.body, specs: c.body.specs.map(withResources) } };
    // Task role sessions, like pull passwords, are given as they are delivered, never kept in the queue.
    if (c.body.type === "credentials") return { seq: c.seq, body: { ...c.body, credentials: credentials?.current(c.body.taskArn) } };
    if (c.body.type !== "launch") return c;
    const spec = withResources(c.body.spec);
    return { seq: c.seq, body: { ...c.body, spec, ...(registry ? { registry: { host: registry.host(), passwords: spec.registryPasswords ?? [] } } : {}) } };
  };
  /**
   * Secrets likewise: resolved at delivery (a secret changed while the launch waited is seen as
   * it is now), added to the delivered copy only, never to the queued command. A recovered
   * launch gets them too: one resumed after a restart may still have containers to create.
   * So do task role sessions (task-credentials.ts): never older than the delivery, and the
   * task's own pull passwords (issued to its execution role's session under iamEnforcement).
   */
  const withResources = (launched: LaunchSpec): LaunchSpec => {
    // Log drivers' delivery mode, like secrets, is the account setting's as the launch is delivered.
    const spec = withDefaultLogDriverMode(db, launched);
    const r = resources?.(spec);
    const withSecrets = r ? { ...spec, resources: r } : spec;
    const withPasswords = registry ? { ...withSecrets, registryPasswords: launchRegistry(spec, registry, pullPrincipal?.(spec)).passwords } : withSecrets;
    return credentials ? credentials.withCredentials(withPasswords) : withPasswords;
  };

  const shared = (embedded: boolean): Omit<AgentHandlers, "hello"> => ({
    async poll(r) {
      return { commands: (await sessionOf(r, embedded).poll(r.ack, pollMs)).map(delivered) };
    },

    async reports(r) {
      const s = sessionOf(r, embedded);
      return { ack: await s.reports.accept(r.reports, (report) => runner.emit(reviveReport(report))) };
    },

    async logs(r) {
      const s = sessionOf(r, embedded);
      s.logRequests.get(r.requestId)?.(r.logs);
      s.logRequests.delete(r.requestId);
      return {};
    },

    async logOpen(r) {
      sessionOf(r, embedded);
      return awslogs ? awslogs.open(r.destination) : { error: NO_LOGS };
    },

    async logBatch(r) {
      sessionOf(r, embedded);
      return awslogs ? awslogs.deliver(r.destination, r.events, r.dropped) : { error: NO_LOGS };
    },

    async usage(r) {
      const s = sessionOf(r, embedded);
      if (!Array.isArray(r.usage)) throw new AgentRefused(400, "usage must be a list");
      runner.emitUsage(s.containerInstanceArn, r.usage.filter(isTaskUsage));
      return {};
    },
  });
  // Every agent measures its tasks as often as Berth publishes the metrics made from them.
  const usageMs = metricsPublishSeconds(config) * 1000;

  // The embedded agent's session exists from the start (the runner queues its commands before
  // it says hello) and lives as long as the server; its hello only names it.
  const embedded: AgentHandlers = {
    ...shared(true),
    async hello() {
      const s = runner.sessions.get(EMBEDDED_AGENT)!;
      return { containerInstanceArn: EMBEDDED_AGENT, session: s.id, reportSeq: s.reports.last, pollMs, usageMs } satisfies HelloReply;
    },
  };

  const remote: AgentHandlers = {
    ...shared(false),
    async hello(h) {
      if (h.protocol !== AGENT_PROTOCOL_VERSION) throw new AgentRefused(400, `agent protocol ${h.protocol} is not ${AGENT_PROTOCOL_VERSION}`);
      let stored;
      try {
        stored = registerAgent(db, config, clock, h);
      } catch (err) {
        throw new AgentRefused(400, (err as Error).message);
      }
      const arn = stored.instance.containerInstanceArn!;
      const old = runner.sessions.get(arn);
      // The same agent process reconnecting keeps its session: unacknowledged commands are resent
      // and reports continue from the last applied. A new process (or a restarted server) starts a
      // session whose first command reconciles the agent with the store.
      if (old && old.epoch === h.epoch) {
        old.lastSeen = clock.now().getTime();
        return { containerInstanceArn: arn, session: old.id, reportSeq: old.reports.last, pollMs, usageMs } satisfies HelloReply;
      }
      old?.release();
      const s = new AgentSession(arn, h.epoch, clock.now().getTime());
      runner.sessions.set(arn, s);
      const { specs, stops } = reconcileCommands(db, arn);
      s.send({ type: "recover", specs, retained: [] });
      for (const spec of stops) {
        s.send({ type: "stop", taskArn: spec.task.taskArn!, why: { stopCode: (spec.task.stopCode ?? "UserInitiated") as StopCode, reason: spec.task.stoppedReason ?? "Task stopped by user" } });
      }
      log.info({ containerInstanceArn: arn, tasks: specs.length, hostIp: h.hostIp }, "agent joined");
      return { containerInstanceArn: arn, session: s.id, pollMs, usageMs } satisfies HelloReply;
    },
  };
  return { remote, embedded };
}

/** A usage entry as the protocol defines it; anything else from an agent is dropped. */
function isTaskUsage(u: unknown): u is TaskUsage {
  const t = u as TaskUsage;
  const finite = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;
  return typeof t === "object" && t !== null && typeof t.taskArn === "string" && finite(t.from) && finite(t.to) && Array.isArray(t.containers) &&
    t.containers.every((c) => typeof c === "object" && c !== null && typeof c.name === "string" && finite(c.cpuUnits) && finite(c.memoryMiB));
}
