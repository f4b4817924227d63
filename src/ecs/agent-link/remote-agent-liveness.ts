import type { Db } from "../../store/database.js";
import type { Logger } from "../../core/logger.js";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import { parseArn } from "../../core/arn.js";
import { findInstance, saveInstance } from "../instances/instance-store.js";
import { remoteInstances, tasksOnInstance } from "../instances/remote-instances.js";
import type { AgentRunner } from "./agent-runner.js";

export interface LivenessOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  runner: AgentRunner;
  heartbeatTimeoutSeconds: number;
  graceSeconds: number;
}

/** Shows a remote instance's agent as connected or not; the placement engine reads agentConnected. */
export function setConnected(db: Db, arn: string, connected: boolean): void {
  const s = findInstance(db, arn);
  if (!s || s.instance.agentConnected === connected) return;
  const p = parseArn(arn)!;
  const scope: Scope = { account: p.account, region: p.region };
  saveInstance(db, scope, { ...s, instance: { ...s.instance, agentConnected: connected, version: (s.instance.version ?? 0) + 1 } });
}

/**
 * Watches remote agents' heartbeats (their polls). An agent silent for the heartbeat timeout is
 * shown disconnected and gets no new tasks. Once it has been silent for the grace period too, its
 * service tasks are stopped as ECS stops the tasks of a lost host, so their services replace them
 * elsewhere; the stop is also queued for the agent, which carries it out if it ever returns.
 * Tasks not started by a service stay, as ECS leaves them, until the agent returns or the
 * instance is deregistered.
 */
export function startAgentLiveness({ db, clock, log, runner, heartbeatTimeoutSeconds, graceSeconds }: LivenessOptions): { stop(): void } {
  // Agents of a restarted server have a heartbeat timeout from start-up to say hello again.
  const since = clock.now().getTime();
  const tick = () => {
    const now = clock.now().getTime();
    for (const { arn, instance } of remoteInstances(db)) {
      const lastSeen = runner.sessions.get(arn)?.lastSeen ?? since;
      const silent = (now - lastSeen) / 1000;
      if (silent < heartbeatTimeoutSeconds) continue;
      if (instance.agentConnected) {
        log.warn({ containerInstanceArn: arn, silentSeconds: Math.round(silent) }, "agent disconnected");
        setConnected(db, arn, false);
      }
      if (silent < heartbeatTimeoutSeconds + graceSeconds) continue;
      for (const task of tasksOnInstance(db, arn, true)) {
        if (!task.group?.startsWith("service:")) continue;
        const why = { stopCode: "TerminationNotice" as const, reason: `Host EC2 (instance ${instance.ec2InstanceId}) stopped/terminated.` };
        log.warn({ taskArn: task.taskArn, containerInstanceArn: arn }, "stopping a service task of a lost agent");
        runner.emit({
          taskArn: task.taskArn!,
          at: clock.now(),
          lastStatus: "STOPPED",
          stopCode: why.stopCode,
          stoppedReason: why.reason,
          containers: (task.containers ?? []).map((c) => ({ name: c.name!, lastStatus: "STOPPED" as const })),
        });
        runner.sessions.get(arn)?.send({ type: "stop", taskArn: task.taskArn!, why });
      }
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch (err) {
      log.error({ err: (err as Error).message }, "agent liveness check failed");
    }
  }, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
