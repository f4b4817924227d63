import { randomUUID } from "node:crypto";
import type { Db } from "../../store/database.js";
import type { Logger } from "../../core/logger.js";
import type { Clock } from "../../core/clock.js";
import type { Command, TaskUsage } from "../../agent/protocol/messages.js";
import type { LaunchSpec, TaskReport, TaskRunner } from "../../agent/protocol/task-runner.js";
import { findInstance } from "../instances/instance-store.js";
import { AgentSession } from "./agent-session.js";
import { instanceOfTask, isRemote } from "../instances/remote-instances.js";

/**
 * The session of the embedded agent: the agent inside the server's process, on the server's own
 * engine, which runs every task not placed on a `berth agent` instance (tasks on virtual
 * instances and on instances registered through the API, and Fargate tasks). It speaks the same
 * protocol as a remote agent, in-process (src/ecs/agent-link/embedded-agent.ts).
 */
export const EMBEDDED_AGENT = "embedded";

/** How long logs() waits for an agent's answer before showing nothing. */
const LOGS_TIMEOUT_MS = 5_000;
/** How long reset() waits for each remote agent to remove its containers. */
const RESET_TIMEOUT_MS = 20_000;

export interface AgentRunner extends TaskRunner {
  /** By container instance ARN for remote agents; EMBEDDED_AGENT for the embedded one, which is never removed. */
  sessions: Map<string, AgentSession>;
  /** Passes a report on to the control plane (an agent's, or one the server makes for a lost agent). */
  emit(report: TaskReport): void;
  /** Subscribes to the agents' measurements of their tasks' resource use (the ECS metrics read them). */
  onUsage(listener: (instance: string, usage: TaskUsage[]) => void): void;
  /** Passes an agent's usage report on (the agent endpoint calls it). */
  emitUsage(instance: string, usage: TaskUsage[]): void;
  /** The task's role session was renewed: its agent is sent the new one (filled in at delivery). */
  credentialsRenewed(taskArn: string): void;
}

/**
 * The TaskRunner the control plane talks to: every call becomes a command to one agent over the
 * agent protocol. Tasks placed on an instance registered by a `berth agent` process go to that
 * agent's session, every other task to the embedded agent's. Commands for an agent that is away
 * wait in its session and are delivered in order when it polls again. Reports come back through
 * the agent endpoint, which calls emit().
 */
export function createAgentRunner({ db, log, clock }: { db: Db; log: Logger; clock: Clock }): AgentRunner {
  const sessions = new Map<string, AgentSession>();
  const embedded = new AgentSession(EMBEDDED_AGENT, "", clock.now().getTime());
  sessions.set(EMBEDDED_AGENT, embedded);
  const listeners: Array<(r: TaskReport) => void> = [];
  const emit = (r: TaskReport) => listeners.forEach((l) => l(r));
  const usageListeners: Array<(instance: string, usage: TaskUsage[]) => void> = [];

  /** The remote instance a task runs on, or undefined when the embedded agent has it. */
  const remoteOf = (instanceArn: string | undefined): string | undefined => (instanceArn && isRemote(findInstance(db, instanceArn)?.instance) ? instanceArn : undefined);
  /** The session key of the agent that runs the task placed on `instanceArn`. */
  const agentOf = (instanceArn: string | undefined): string => remoteOf(instanceArn) ?? EMBEDDED_AGENT;

  /** Queues a command for an agent. A remote agent with no session yet is reconciled by the `recover` its hello brings. */
  const send = (agent: string, c: Command): { session: AgentSession; seq: number } | undefined => {
    const s = sessions.get(agent);
    if (s) return { session: s, seq: s.send(c) };
    log.info({ containerInstanceArn: agent, type: c.type }, "agent not connected; its hello will reconcile");
    return undefined;
  };
  /** Queues a command and, for the embedded agent, waits until it is applied (and its reports delivered). */
  const sendAndWait = async (agent: string, c: Command): Promise<void> => {
    const sent = send(agent, c);
    if (sent && agent === EMBEDDED_AGENT) await sent.session.applied(sent.seq);
  };

  return {
    sessions,
    emit,
    onUsage: (l) => void usageListeners.push(l),
    emitUsage: (instance, usage) => usageListeners.forEach((l) => l(instance, usage)),
    launch(spec: LaunchSpec) {
      // Its pull passwords are added as it is delivered (see agent-endpoint.ts).
      send(agentOf(spec.task.containerInstanceArn), { type: "launch", spec });
    },
    credentialsRenewed(taskArn) {
      send(agentOf(instanceOfTask(db, taskArn)), { type: "credentials", taskArn });
    },
    stop(taskArn, why) {
      send(agentOf(instanceOfTask(db, taskArn)), { type: "stop", taskArn, why });
    },
    async logs(taskArn) {
      const s = sessions.get(agentOf(instanceOfTask(db, taskArn)));
      if (!s) return [];
      const requestId = randomUUID();
      return new Promise((resolve) => {
        const timer = setTimeout(() => (s.logRequests.delete(requestId), resolve([])), LOGS_TIMEOUT_MS);
        s.logRequests.set(requestId, (logs) => (clearTimeout(timer), resolve(logs)));
        s.send({ type: "logs", taskArn, requestId });
      });
    },
    onReport(l) {
      listeners.push(l);
    },
    async recover(specs, retained) {
      // Remote tasks are reconciled when their agent says hello; the embedded agent gets the rest.
      const mine = specs.filter((s) => !remoteOf(s.task.containerInstanceArn));
      const remoteTasks = specs.length - mine.length;
      await sendAndWait(EMBEDDED_AGENT, { type: "recover", specs: mine, retained: retained.filter((arn) => !remoteOf(instanceOfTask(db, arn))) });
      if (remoteTasks) log.info({ tasks: remoteTasks }, "remote tasks wait for their agents");
    },
    async cleanup(taskArn) {
      await sendAndWait(agentOf(instanceOfTask(db, taskArn)), { type: "cleanup", taskArn });
    },
    async reset() {
      // Every agent removes its containers; connected remote agents get a while to do so. The
      // store goes next, and with it the remote sessions: those agents say hello again.
      const remotes = [...sessions.values()].filter((s) => s !== embedded);
      const waits = remotes.map((s) => s.applied(s.send({ type: "reset" }), RESET_TIMEOUT_MS));
      await Promise.all([sendAndWait(EMBEDDED_AGENT, { type: "reset" }), ...waits]);
      remotes.forEach((s) => (s.release(), sessions.delete(s.containerInstanceArn)));
    },
    async close() {
      sessions.forEach((s) => s.release());
    },
  };
}
