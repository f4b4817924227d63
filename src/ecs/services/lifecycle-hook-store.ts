import { randomBytes } from "node:crypto";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { isRollbackStageKey } from "./deployment-rules.js";

export type HookStatus = "AWAITING_ACTION" | "IN_PROGRESS" | "SUCCEEDED" | "FAILED" | "TIMED_OUT";

/** What Berth records of one invocation of a Lambda hook: the event ECS would send the function. */
export interface HookInvocation {
  invocationId: string;
  invokedAt: number;
  payload: Record<string, unknown>;
}

/**
 * One hook run at one stage of one service deployment (ECS's DeploymentLifecycleHookDetail, with
 * what Berth needs to carry it on). A Lambda hook has at most one invocation waiting for its
 * answer; an IN_PROGRESS answer schedules the next one (`nextInvokeAt`).
 */
export interface HookExecution {
  hookId: string;
  scope: Scope;
  serviceArn: string;
  serviceDeploymentArn: string;
  deploymentId: string;
  /** A rollback's hooks: the deployment it returns to (the payload's target revision). */
  rollbackTo?: string;
  /** The stage, `STAGE:tenths` at a linear or canary deployment's traffic steps, or `STAGE:rollback` in a rollback. */
  stageKey: string;
  targetType: "AWS_LAMBDA" | "PAUSE";
  targetArn?: string;
  roleArn?: string;
  status: HookStatus;
  createdAt: number;
  expiresAt: number;
  timeoutAction: "ROLLBACK" | "CONTINUE";
  /** Lambda hooks: invocations so far, the one awaiting its answer, when the next is due, and the hookDetails it gets. */
  invocations: number;
  pending?: HookInvocation;
  nextInvokeAt?: number;
  hookDetails?: unknown;
  finishedAt?: number;
  /** Why it failed, in the deployment's statusReason. */
  reason?: string;
}

/** ECS's hook ids: `ecs-pause-` and 43 URL-safe characters (Lambda hooks: `ecs-lambda-`, Berth's choice). */
export const newHookId = (targetType: HookExecution["targetType"]) => `${targetType === "PAUSE" ? "ecs-pause" : "ecs-lambda"}-${randomBytes(32).toString("base64url")}`;

interface Row { doc: string }
const parse = (r: Row | undefined) => (r ? (JSON.parse(r.doc) as HookExecution) : undefined);

export function saveHookExecution(db: Db, h: HookExecution): void {
  db.prepare(
    `INSERT INTO ecs_hook_executions (hook_id, account, region, service_arn, deployment_id, stage_key, status, invocation_id, seq, doc)
     VALUES (@hookId, @account, @region, @serviceArn, @deploymentId, @stageKey, @status, @invocationId, (SELECT coalesce(max(seq), 0) + 1 FROM ecs_hook_executions), @doc)
     ON CONFLICT (hook_id) DO UPDATE SET status = excluded.status, invocation_id = excluded.invocation_id, doc = excluded.doc`,
  ).run({
    hookId: h.hookId, account: h.scope.account, region: h.scope.region, serviceArn: h.serviceArn, deploymentId: h.deploymentId, stageKey: h.stageKey,
    status: h.status, invocationId: h.pending?.invocationId ?? null, doc: JSON.stringify(h),
  });
}

export const findHookExecution = (db: Db, hookId: string) => parse(db.prepare("SELECT doc FROM ecs_hook_executions WHERE hook_id = ?").get(hookId) as Row | undefined);

export const findHookByInvocation = (db: Db, invocationId: string) =>
  parse(db.prepare("SELECT doc FROM ecs_hook_executions WHERE invocation_id = ?").get(invocationId) as Row | undefined);

/** A deployment's hook executions, oldest first. */
export function hookExecutionsOf(db: Db, serviceArn: string, deploymentId: string): HookExecution[] {
  const rows = db.prepare("SELECT doc FROM ecs_hook_executions WHERE service_arn = ? AND deployment_id = ? ORDER BY seq").all(serviceArn, deploymentId) as Row[];
  return rows.map((r) => parse(r)!);
}

/** Lambda invocations waiting for their answer, oldest first; of one service when it is named. */
export function pendingInvocations(db: Db, serviceArn?: string): HookExecution[] {
  const rows = (serviceArn
    ? db.prepare("SELECT doc FROM ecs_hook_executions WHERE invocation_id IS NOT NULL AND service_arn = ? ORDER BY seq").all(serviceArn)
    : db.prepare("SELECT doc FROM ecs_hook_executions WHERE invocation_id IS NOT NULL ORDER BY seq").all()) as Row[];
  return rows.map((r) => parse(r)!);
}

/** Whose hooks the scheduler runs now: a deployment's on its way forward, or those of the rollback it failed into (`rollbackTo`). */
export interface HookOwner {
  deploymentId: string;
  serviceDeploymentArn: string;
  rollbackTo?: string;
}

/**
 * Lambda invocations of deployments the scheduler no longer carries out (replaced, failed, rolled
 * back, the service deleted) are no longer awaited: their functions' answers would act on nothing.
 * A deployment that failed into a rollback keeps only its rollback's invocations.
 */
export function abandonInvocations(db: Db, serviceArn: string, keep: HookOwner | undefined): void {
  const rows = db.prepare("SELECT doc FROM ecs_hook_executions WHERE service_arn = ? AND (invocation_id IS NOT NULL OR json_extract(doc, '$.nextInvokeAt') IS NOT NULL)").all(serviceArn) as Row[];
  for (const r of rows) {
    const h = parse(r)!;
    if (keep && h.deploymentId === keep.deploymentId && isRollbackStageKey(h.stageKey) === (keep.rollbackTo !== undefined)) continue;
    saveHookExecution(db, { ...h, pending: undefined, nextInvokeAt: undefined });
  }
}
