import { randomUUID } from "node:crypto";
import type { Db } from "../store/database.js";
import type { Logger } from "../core/logger.js";
import type { Command } from "../agent/protocol/messages.js";
import type { LaunchSpec, TaskReport, TaskRunner } from "./task-runner.js";
import { findInstance } from "./instance-store.js";
import { AgentSession } from "./remote-agent-sessions.js";
import { instanceOfTask, isRemote } from "./remote-instances.js";
import type { RegistryAccess } from "../agent/context.js";
import { launchRegistry } from "../agent/launch-registry.js";

/** How long logs() waits for a remote agent's answer before showing nothing. */
const LOGS_TIMEOUT_MS = 5_000;
/** How long reset() waits for each connected agent to remove its containers. */
const RESET_TIMEOUT_MS = 20_000;

export interface RemoteRunner extends TaskRunner {
  sessions: Map<string, AgentSession>;
  /** Passes a report on to the control plane (the agent's, or one the server makes for a lost agent). */
  emit(report: TaskReport): void;
}

/**
 * The TaskRunner the control plane talks to. Tasks placed on an instance registered by a
 * `berth agent` process go to that agent as commands over the agent protocol; every other task
 * (virtual instances, instances registered through the API, Fargate) goes to the in-process
 * runner. Commands for an agent that is away wait in its session and are delivered in order when
 * it polls again.
 */
export function createRemoteRunner({ local, db, log, registry }: { local: TaskRunner; db: Db; log: Logger; registry?: RegistryAccess }): RemoteRunner {
  const sessions = new Map<string, AgentSession>();
  const listeners: Array<(r: TaskReport) => void> = [];
  const emit = (r: TaskReport) => listeners.forEach((l) => l(r));
  local.onReport(emit);

  /** The remote instance a task runs on, or undefined when the local runner has it. */
  const remoteOf = (instanceArn: string | undefined): string | undefined => (instanceArn && isRemote(findInstance(db, instanceArn)?.instance) ? instanceArn : undefined);

  /** Queues a command for the instance's agent. With no session yet, the agent's hello brings a recover that covers it. */
  const send = (instanceArn: string, c: Command) => {
    const s = sessions.get(instanceArn);
    if (s) s.send(c);
    else log.info({ instanceArn, type: c.type }, "agent not connected; its hello will reconcile");
  };

  return {
    sessions,
    emit,
    launch(spec: LaunchSpec) {
      const remote = remoteOf(spec.task.containerInstanceArn);
      // Passwords are issued now, for the scopes this task's images need (valid TOKEN_TTL_MS,
      // so a launch queued for an agent that is away still pulls when it is delivered).
      if (remote) send(remote, registry ? { type: "launch", spec, registry: launchRegistry(spec, registry) } : { type: "launch", spec });
      else local.launch(spec);
    },
    stop(taskArn, why) {
      const remote = remoteOf(instanceOfTask(db, taskArn));
      if (remote) send(remote, { type: "stop", taskArn, why });
      else local.stop(taskArn, why);
    },
    async logs(taskArn) {
      const remote = remoteOf(instanceOfTask(db, taskArn));
      if (!remote) return local.logs(taskArn);
      const s = sessions.get(remote);
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
      // Remote tasks are reconciled when their agent says hello; the local runner gets the rest.
      const mine = specs.filter((s) => !remoteOf(s.task.containerInstanceArn));
      const remoteTasks = new Set(specs.filter((s) => remoteOf(s.task.containerInstanceArn)).map((s) => s.task.taskArn));
      await local.recover(mine, retained.filter((arn) => !remoteOf(instanceOfTask(db, arn))));
      if (remoteTasks.size) log.info({ tasks: remoteTasks.size }, "remote tasks wait for their agents");
    },
    async cleanup(taskArn) {
      const remote = remoteOf(instanceOfTask(db, taskArn));
      if (remote) send(remote, { type: "cleanup", taskArn });
      else await local.cleanup(taskArn);
    },
    async reset() {
      // Connected agents remove their containers too; the store (and so the sessions) goes next.
      const waits = [...sessions.values()].map((s) => s.applied(s.send({ type: "reset" }), RESET_TIMEOUT_MS));
      await Promise.all([local.reset(), ...waits]);
      sessions.clear();
    },
    async close() {
      sessions.forEach((s) => s.release());
      await local.close();
    },
  };
}
