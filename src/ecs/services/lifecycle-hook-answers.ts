import type { ContinueServiceDeploymentRequest, DeploymentLifecycleHookDetail } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { ServiceError } from "../../core/errors.js";
import { clientException, invalidParameter } from "../errors.js";
import type { StoredServiceDeployment } from "./service-deployment-store.js";
import { DEFAULT_CALLBACK_DELAY_SECONDS } from "./lifecycle-hook-gates.js";
import { stageOfKey as stageOf } from "./deployment-rules.js";
import { findHookByInvocation, findHookExecution, hookExecutionsOf, saveHookExecution, type HookExecution } from "./lifecycle-hook-store.js";

/**
 * ContinueServiceDeployment on a deployment found in the caller's account: the pause hook
 * `hookId` of that deployment, AWAITING_ACTION while the deployment is IN_PROGRESS, succeeds
 * (CONTINUE, the default) or fails (ROLLBACK), and the scheduler carries on at its next decision.
 */
export function continuePausedHook(db: Db, now: number, rec: StoredServiceDeployment, input: ContinueServiceDeploymentRequest): void {
  const hook = findHookExecution(db, input.hookId ?? "");
  if (!hook || hook.serviceDeploymentArn !== rec.doc.serviceDeploymentArn) throw invalidParameter(`The lifecycle hook ${input.hookId} was not found in the service deployment.`);
  if (rec.doc.status !== "IN_PROGRESS") throw clientException(`The service deployment is ${rec.doc.status}: only an IN_PROGRESS deployment can be continued.`);
  if (hook.targetType !== "PAUSE") throw clientException(`The lifecycle hook ${hook.hookId} is an AWS_LAMBDA hook: only PAUSE hooks are continued with ContinueServiceDeployment.`);
  if (hook.status !== "AWAITING_ACTION") throw clientException(`The lifecycle hook ${hook.hookId} is ${hook.status}, not AWAITING_ACTION.`);
  const rollback = input.action === "ROLLBACK";
  saveHookExecution(db, {
    ...hook,
    status: rollback ? "FAILED" : "SUCCEEDED",
    finishedAt: now,
    ...(rollback ? { reason: `ECS deployment rolled back by ContinueServiceDeployment at lifecycle hook ${hook.hookId} (${stageOf(hook.stageKey)}).` } : {}),
  });
}

/** What a Lambda hook returns, as Berth's endpoint takes it (lifecycle-hook-routes.ts). */
export interface HookAnswer {
  hookStatus?: unknown;
  callBackDelay?: unknown;
  hookDetails?: unknown;
}

/**
 * The answer to one recorded invocation of a Lambda hook, as the function's return value:
 * SUCCEEDED lets the deployment go on, FAILED rolls it back, IN_PROGRESS invokes the function
 * again after callBackDelay seconds (30 by default) with the hookDetails returned. As on ECS, an
 * answer without a valid hookStatus fails the hook. Only the invocation still awaited can be answered.
 */
export function answerInvocation(db: Db, now: number, invocationId: string, answer: HookAnswer): HookExecution {
  const hook = findHookByInvocation(db, invocationId);
  if (!hook || hook.pending?.invocationId !== invocationId || hook.status !== "IN_PROGRESS") {
    const known = findHookExecution(db, invocationId.replace(/\.\d+$/, ""));
    throw known
      ? new ServiceError("ConflictException", `Invocation ${invocationId} is not awaiting an answer (the hook is ${known.status}).`, true, {}, 409)
      : new ServiceError("ResourceNotFoundException", `No lifecycle hook invocation ${invocationId}.`, true, {}, 404);
  }
  const next: HookExecution = { ...hook, pending: undefined };
  const delay = answer.callBackDelay;
  if (answer.hookStatus === "SUCCEEDED") Object.assign(next, { status: "SUCCEEDED", finishedAt: now });
  else if (answer.hookStatus === "IN_PROGRESS" && (delay === undefined || (Number.isInteger(delay) && (delay as number) >= 0))) {
    next.nextInvokeAt = now + ((delay as number | undefined) ?? DEFAULT_CALLBACK_DELAY_SECONDS) * 1000;
    if (answer.hookDetails !== undefined) next.hookDetails = answer.hookDetails;
  } else {
    const why = answer.hookStatus === "FAILED" ? "returned FAILED" : answer.hookStatus === "IN_PROGRESS" ? "returned an invalid callBackDelay" : "did not return a valid hookStatus";
    Object.assign(next, { status: "FAILED", finishedAt: now, reason: `ECS deployment lifecycle hook ${hook.hookId} ${why} at ${stageOf(hook.stageKey)}.` });
  }
  saveHookExecution(db, next);
  return next;
}

/** DescribeServiceDeployments' lifecycleHookDetails: the hooks of the stage the deployment is (or was last) held at. */
export function lifecycleHookDetails(db: Db, serviceArn: string, deploymentId: string): DeploymentLifecycleHookDetail[] | undefined {
  const all = hookExecutionsOf(db, serviceArn, deploymentId);
  const last = all.at(-1);
  if (!last) return undefined;
  return all.filter((e) => e.stageKey === last.stageKey).map((e) => ({
    hookId: e.hookId,
    targetType: e.targetType,
    ...(e.targetArn ? { targetArn: e.targetArn } : {}),
    status: e.status,
    expiresAt: new Date(e.expiresAt),
    timeoutAction: e.timeoutAction,
  }));
}

/** A hook execution as Berth's endpoint shows it (the invocation awaiting an answer, when there is one). */
export function presentInvocation(h: HookExecution) {
  return {
    invocationId: h.pending?.invocationId,
    hookId: h.hookId,
    functionArn: h.targetArn,
    roleArn: h.roleArn,
    lifecycleStage: stageOf(h.stageKey),
    serviceArn: h.serviceArn,
    serviceDeploymentArn: h.serviceDeploymentArn,
    status: h.status,
    invokedAt: h.pending ? new Date(h.pending.invokedAt).toISOString() : undefined,
    expiresAt: new Date(h.expiresAt).toISOString(),
    payload: h.pending?.payload,
  };
}
