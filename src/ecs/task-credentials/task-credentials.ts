import type { Logger } from "../../core/logger.js";
import type { Clock } from "../../core/clock.js";
import { parseArn } from "../../core/arn.js";
import { roleArnOf } from "../../iam/pass-role.js";
import type { RoleSessions } from "../../sts/role-sessions.js";
import type { LaunchSpec, TaskReport, TaskRoleCredentials } from "../../agent/protocol/task-runner.js";
import { taskIdOf } from "../../agent/task-plan.js";

/** ECS's agent assumes task roles as this service principal; the role's trust policy must name it. */
export const ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com";

export interface TaskCredentialsOptions {
  roleSessions: RoleSessions;
  clock: Clock;
  log: Logger;
  /** DurationSeconds of each session. */
  sessionSeconds: number;
  /** A session this old is renewed (rotation) and the new one sent to the task's agent. */
  refreshSeconds: number;
  /** Sends a `credentials` command for the task to its agent (the credentials are filled in at delivery). */
  rotate(taskArn: string): void;
}

interface Held {
  roleArn: string;
  current: TaskRoleCredentials;
  issuedAt: number;
  /** Every access key issued for the task that has not expired yet: all are revoked when it stops. */
  issued: Array<{ accessKeyId: string; expiresAt: number }>;
}

/**
 * The control plane's side of task credentials: each task with a taskRoleArn gets a session of
 * that role (sessionName = the task id, as ECS names them) when its launch is delivered, renewed
 * every refreshSeconds while the task runs, and every session it was given is revoked when it
 * stops. Older sessions stay valid until they expire after a rotation, as on ECS, so an SDK that
 * cached them keeps working until it asks again. Kept in memory: after a server restart running
 * tasks get new sessions with their recover command, and the old ones simply expire.
 */
export function createTaskCredentials(o: TaskCredentialsOptions) {
  const held = new Map<string, Held>();
  let timer: NodeJS.Timeout | undefined;

  function assume(taskArn: string, roleArn: string): TaskRoleCredentials {
    const arn = parseArn(taskArn);
    const scope = { account: arn?.account ?? "", region: arn?.region ?? "" };
    const c = o.roleSessions.assumeRoleForService(scope, { roleArn, sessionName: taskIdOf(taskArn), service: ECS_TASKS_PRINCIPAL, durationSeconds: o.sessionSeconds });
    const now = o.clock.now().getTime();
    const current: TaskRoleCredentials = { roleArn, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration.toISOString() };
    const h = held.get(taskArn);
    const issued = [...(h?.issued ?? []).filter((k) => k.expiresAt > now), { accessKeyId: c.accessKeyId, expiresAt: c.expiration.getTime() }];
    held.set(taskArn, { roleArn, current, issuedAt: now, issued });
    // The access key id names the session in logs; the secret and token never appear.
    o.log.info({ taskArn, roleArn, accessKeyId: c.accessKeyId, expiration: current.expiration }, "task role session issued");
    return current;
  }

  const due = (h: Held) => o.clock.now().getTime() - h.issuedAt >= o.refreshSeconds * 1000;

  return {
    /** The spec with its task's credentials (or why there are none) added; unchanged for a task without a role. */
    withCredentials(spec: LaunchSpec): LaunchSpec {
      const taskArn = spec.task.taskArn ?? "";
      // ECS takes a task role by name too: the task's account's role of that name.
      const given = spec.task.overrides?.taskRoleArn ?? spec.taskDefinition.taskRoleArn;
      const roleArn = given && roleArnOf(given, parseArn(taskArn)?.account ?? "");
      if (!roleArn || spec.task.lastStatus === "STOPPED" || spec.task.desiredStatus === "STOPPED") return spec;
      const h = held.get(taskArn);
      try {
        const credentials = h && h.roleArn === roleArn && !due(h) ? h.current : assume(taskArn, roleArn);
        return { ...spec, credentials };
      } catch (err) {
        o.log.info({ taskArn, roleArn, err: (err as Error).message }, "task role could not be assumed");
        return { ...spec, credentialsError: `unable to assume the task role ${roleArn}: ${(err as Error).message}` };
      }
    },

    /** The task's current credentials, for a `credentials` command being delivered. */
    current(taskArn: string): TaskRoleCredentials | undefined {
      return held.get(taskArn)?.current;
    },

    /** A task that stopped loses every session it was given, at once. */
    onReport(report: TaskReport): void {
      if (report.lastStatus !== "STOPPED") return;
      const h = held.get(report.taskArn);
      if (!h) return;
      held.delete(report.taskArn);
      for (const k of h.issued) {
        try {
          o.roleSessions.revoke(k.accessKeyId);
        } catch (err) {
          o.log.warn({ taskArn: report.taskArn, accessKeyId: k.accessKeyId, err: (err as Error).message }, "could not revoke a task role session");
        }
      }
      o.log.info({ taskArn: report.taskArn, sessions: h.issued.length }, "task role sessions revoked");
    },

    /** Renews due sessions every second (cheap: a map walk) and sends them to the tasks' agents. */
    start(): void {
      timer = setInterval(() => {
        for (const [taskArn, h] of held) {
          if (!due(h)) continue;
          try {
            assume(taskArn, h.roleArn);
            o.rotate(taskArn);
          } catch (err) {
            // The task keeps its current session until it expires; tried again a refresh period later.
            h.issuedAt = o.clock.now().getTime();
            o.log.warn({ taskArn, roleArn: h.roleArn, err: (err as Error).message }, "task role session could not be renewed");
          }
        }
      }, 1000);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type TaskCredentials = ReturnType<typeof createTaskCredentials>;
