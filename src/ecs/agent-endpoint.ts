import type { Db } from "../store/database.js";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { AGENT_PROTOCOL_VERSION, reviveReport, type HelloReply } from "../agent/protocol/messages.js";
import { AgentRefused, SessionLost, type AgentHandlers } from "../agent/protocol/transport.js";
import { AgentSession } from "./remote-agent-sessions.js";
import { reconcileCommands, registerAgent } from "./remote-agent-hello.js";
import { setConnected } from "./remote-agent-liveness.js";
import type { RemoteRunner } from "./remote-runner.js";
import type { StopCode } from "./task-runner.js";

/**
 * The server's end of the agent protocol, independent of transport: the HTTP routes
 * (src/agent-routes.ts) and the in-process loopback transport both call these handlers.
 */
export function createAgentEndpoint({ db, config, clock, log, runner }: { db: Db; config: Config; clock: Clock; log: Logger; runner: RemoteRunner }): AgentHandlers {
  // Three polls per heartbeat timeout: one lost poll never makes a healthy agent look silent.
  const pollMs = Math.max(500, Math.floor((config.agentHeartbeatTimeoutSeconds * 1000) / 3));

  /** The session a request names, refreshed as a heartbeat. */
  function sessionOf(req: { containerInstanceArn: string; session: string }): AgentSession {
    const s = runner.sessions.get(req.containerInstanceArn);
    if (!s || s.id !== req.session) throw new SessionLost("unknown agent session; say hello again");
    s.lastSeen = clock.now().getTime();
    setConnected(db, s.containerInstanceArn, true);
    return s;
  }

  return {
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
        return { containerInstanceArn: arn, session: old.id, reportSeq: old.reports.last, pollMs } satisfies HelloReply;
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
      return { containerInstanceArn: arn, session: s.id, pollMs } satisfies HelloReply;
    },

    async poll(r) {
      return { commands: await sessionOf(r).poll(r.ack, pollMs) };
    },

    async reports(r) {
      const s = sessionOf(r);
      return { ack: await s.reports.accept(r.reports, (report) => runner.emit(reviveReport(report))) };
    },

    async logs(r) {
      const s = sessionOf(r);
      s.logRequests.get(r.requestId)?.(r.logs);
      s.logRequests.delete(r.requestId);
      return {};
    },
  };
}
