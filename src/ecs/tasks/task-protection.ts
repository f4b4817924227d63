import type { Failure, GetTaskProtectionRequest, ProtectedTask, UpdateTaskProtectionRequest } from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Db } from "../../store/database.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { isServiceTask } from "../services/service-store.js";
import { findTask, taskArnOf } from "./task-store.js";

/** ECS's defaults and limits (UpdateTaskProtection): 2 hours unless told, 1 minute to 48 hours. */
export const DEFAULT_PROTECTION_MINUTES = 120;
export const MAX_PROTECTION_MINUTES = 2880;
const MAX_UPDATE = 10;
const MAX_GET = 100;

/** When a task's scale-in protection expires (epoch ms), or undefined when it is not protected at `now`. */
export function protectionExpiry(db: Db, taskArn: string, now: number): number | undefined {
  const row = db.prepare("SELECT expires_at AS e FROM ecs_task_protection WHERE task_arn = ?").get(taskArn) as { e: number } | undefined;
  return row && row.e > now ? row.e : undefined;
}

/** Protects a task until `expiresAt` (epoch ms), or lifts its protection (undefined). */
export function setProtection(db: Db, taskArn: string, expiresAt: number | undefined): void {
  if (expiresAt === undefined) db.prepare("DELETE FROM ecs_task_protection WHERE task_arn = ?").run(taskArn);
  else db.prepare("INSERT INTO ecs_task_protection (task_arn, expires_at) VALUES (?, ?) ON CONFLICT (task_arn) DO UPDATE SET expires_at = excluded.expires_at").run(taskArn, expiresAt);
}

/** A task's protection as ECS shows it: expired protection is no protection. */
export function protectedTask(db: Db, taskArn: string, now: number): ProtectedTask {
  const expiry = protectionExpiry(db, taskArn, now);
  return expiry === undefined ? { taskArn, protectionEnabled: false } : { taskArn, protectionEnabled: true, expirationDate: new Date(expiry) };
}

/**
 * Changes the protection of a service task: the one rule UpdateTaskProtection and the agent's
 * task-protection endpoint share. Returns the failure ECS reports for a task it cannot protect.
 */
export function updateProtection(db: Db, taskArn: string, enabled: boolean, expiresInMinutes: number | undefined, now: number): ProtectedTask | Failure {
  const task = findTask(db, taskArn);
  if (!task) return { arn: taskArn, reason: "MISSING" };
  // As in ECS, only tasks that belong to a service can be protected.
  if (!isServiceTask(db, taskArn)) return { arn: taskArn, reason: "TASK_NOT_VALID", detail: "The task is not part of an Amazon ECS service." };
  setProtection(db, taskArn, enabled ? now + (expiresInMinutes ?? DEFAULT_PROTECTION_MINUTES) * 60_000 : undefined);
  return protectedTask(db, taskArn, now);
}

export const checkProtectionMinutes = (minutes: number | undefined) => {
  if (minutes !== undefined && (minutes < 1 || minutes > MAX_PROTECTION_MINUTES)) {
    throw invalidParameter(`expiresInMinutes must be between 1 and ${MAX_PROTECTION_MINUTES} minutes.`);
  }
};

export const isFailure = (r: ProtectedTask | Failure): r is Failure => "reason" in r;

/** UpdateTaskProtection and GetTaskProtection: scale-in protection of a service's tasks. */
export function taskProtectionHandlers({ db, clock }: EcsDeps): Record<string, Handler> {
  return {
    UpdateTaskProtection: (input: UpdateTaskProtectionRequest, ctx: RequestContext) => {
      const refs = input.tasks ?? [];
      if (refs.length === 0) throw invalidParameter("Tasks cannot be empty.");
      if (refs.length > MAX_UPDATE) throw invalidParameter(`tasks can have at most ${MAX_UPDATE} items.`);
      checkProtectionMinutes(input.expiresInMinutes);
      const now = clock.now().getTime();
      return db.transaction(() => {
        requireActiveCluster(db, ctx, input.cluster);
        const clusterName = clusterNameOf(ctx, input.cluster);
        const protectedTasks: ProtectedTask[] = [];
        const failures: Failure[] = [];
        for (const ref of refs) {
          const arn = taskArnOf(ctx, clusterName, ref);
          const result: ProtectedTask | Failure = arn ? updateProtection(db, arn, input.protectionEnabled!, input.expiresInMinutes, now) : { arn: ref, reason: "MISSING" };
          if (isFailure(result)) failures.push(result);
          else protectedTasks.push(result);
        }
        return { protectedTasks, failures };
      })();
    },

    GetTaskProtection: (input: GetTaskProtectionRequest, ctx: RequestContext) => {
      const refs = input.tasks ?? [];
      if (refs.length > MAX_GET) throw invalidParameter(`tasks can have at most ${MAX_GET} items.`);
      requireActiveCluster(db, ctx, input.cluster);
      const clusterName = clusterNameOf(ctx, input.cluster);
      const now = clock.now().getTime();
      const protectedTasks: ProtectedTask[] = [];
      const failures: Failure[] = [];
      for (const ref of refs) {
        const arn = taskArnOf(ctx, clusterName, ref);
        if (!arn || !findTask(db, arn)) failures.push({ arn: arn ?? ref, reason: "MISSING" });
        else if (!isServiceTask(db, arn)) failures.push({ arn, reason: "TASK_NOT_VALID", detail: "The task is not part of an Amazon ECS service." });
        else protectedTasks.push(protectedTask(db, arn, now));
      }
      return { protectedTasks, failures };
    },
  };
}
