import type { DeploymentLifecycleHook, Service } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import type { Logger } from "../../core/logger.js";
import { isRollbackStageKey, stageOfKey as stageOf, TRAFFIC_SHIFTING } from "./deployment-rules.js";
import type { HookGates, ServiceState } from "./service-plan-types.js";
import { ongoingDeploymentsOf, revisionArnOf } from "./service-deployment-store.js";
import { hookExecutionsOf, newHookId, saveHookExecution, type HookExecution, type HookOwner } from "./lifecycle-hook-store.js";

/** ECS's defaults: a hook times out after 24 hours and then rolls back; IN_PROGRESS re-invokes after 30 s. */
const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;
export const DEFAULT_CALLBACK_DELAY_SECONDS = 30;

const hooksOf = (svc: Service): DeploymentLifecycleHook[] =>
  TRAFFIC_SHIFTING.has(svc.deploymentConfiguration?.strategy ?? "ROLLING") && svc.loadBalancers?.length ? svc.deploymentConfiguration?.lifecycleHooks ?? [] : [];
const hooksAt = (svc: Service, stage: string) => hooksOf(svc).filter((h) => h.lifecycleStages?.includes(stage as never));
const isOpen = (e: HookExecution) => e.status === "IN_PROGRESS" || e.status === "AWAITING_ACTION";

/**
 * Whose hooks run now: the service deployment of the PRIMARY deployment, or, while the PRIMARY is
 * a deployment being rolled back to, the service deployment that is rolling back to it (its
 * ROLLBACK_IN_PROGRESS record). A rollback's hooks are that failed deployment's, at `:rollback` keys.
 */
export function hookOwner(db: Db, svc: Service): HookOwner | undefined {
  const primary = svc.deployments?.[0]?.id;
  if (!primary) return undefined;
  const records = ongoingDeploymentsOf(db, svc.serviceArn!);
  const back = records.find((r) => r.rollbackTo === primary && r.doc.status === "ROLLBACK_IN_PROGRESS");
  if (back) return { deploymentId: back.deploymentId, serviceDeploymentArn: back.doc.serviceDeploymentArn!, rollbackTo: primary };
  const own = records.find((r) => r.deploymentId === primary);
  return own ? { deploymentId: primary, serviceDeploymentArn: own.doc.serviceDeploymentArn! } : undefined;
}

/**
 * Before a decision, in its transaction: the hooks being carried out that expired take their
 * timeout action (TIMED_OUT), Lambda hooks answered IN_PROGRESS are invoked again once their
 * callBackDelay is over, and the plan is told which stages passed and whether a hook failed.
 * A rollback's hooks cannot fail it (there is nothing left to roll back to): it goes on once
 * they have all finished, whatever their outcome.
 */
export function hookGates(db: Db, log: Logger, svc: Service, state: ServiceState, now: number): HookGates | undefined {
  const hooks = hooksOf(svc);
  const owner = hooks.length ? hookOwner(db, svc) : undefined;
  if (!owner) return undefined;
  const rollback = owner.rollbackTo !== undefined;
  const executions = hookExecutionsOf(db, svc.serviceArn!, owner.deploymentId).filter((e) => isRollbackStageKey(e.stageKey) === rollback);
  for (const e of executions) {
    if (isOpen(e) && now >= e.expiresAt) {
      Object.assign(e, { status: "TIMED_OUT", pending: undefined, nextInvokeAt: undefined, finishedAt: now });
      if (e.timeoutAction === "ROLLBACK") e.reason = `ECS deployment lifecycle hook ${e.hookId} timed out at ${stageOf(e.stageKey)}.`;
      saveHookExecution(db, e);
      log.info({ service: svc.serviceArn, hookId: e.hookId, stage: e.stageKey, action: e.timeoutAction }, "lifecycle hook timed out");
    } else if (e.status === "IN_PROGRESS" && !e.pending && e.nextInvokeAt !== undefined && now >= e.nextInvokeAt) {
      invoke(db, log, svc, state, e, now);
    }
  }
  const passed = new Map<string, number>();
  const byKey = new Map<string, HookExecution[]>();
  for (const e of executions) byKey.set(e.stageKey, [...(byKey.get(e.stageKey) ?? []), e]);
  for (const [key, list] of byKey) {
    const done = list.every((e) => e.status === "SUCCEEDED" || (e.status === "TIMED_OUT" && e.timeoutAction === "CONTINUE") || (rollback && !isOpen(e)));
    if (done && list.length >= hooksAt(svc, stageOf(key)).length) passed.set(key, Math.max(...list.map((e) => e.finishedAt ?? 0)));
  }
  const failed = rollback ? undefined : executions.find((e) => e.status === "FAILED" || (e.status === "TIMED_OUT" && e.timeoutAction === "ROLLBACK"));
  return {
    stages: new Set(hooks.flatMap((h) => h.lifecycleStages ?? [])),
    passed,
    started: new Set(byKey.keys()),
    ...(failed ? { failed: { reason: failed.reason ?? `ECS deployment lifecycle hook ${failed.hookId} failed at ${stageOf(failed.stageKey)}.` } } : {}),
  };
}

/**
 * After a decision that waits at `stageKey`: the hooks configured there start, once. A Lambda
 * hook is invoked (Berth records the invocation and waits for its answer, lifecycle-hook-routes.ts);
 * a pause hook awaits ContinueServiceDeployment.
 */
export function startHooks(db: Db, log: Logger, scope: Scope, svc: Service, state: ServiceState, stageKey: string, now: number): void {
  const owner = hookOwner(db, svc);
  if (!owner || isRollbackStageKey(stageKey) !== (owner.rollbackTo !== undefined)) return;
  const existing = hookExecutionsOf(db, svc.serviceArn!, owner.deploymentId).filter((e) => e.stageKey === stageKey);
  if (existing.length) return;
  for (const hook of hooksAt(svc, stageOf(stageKey))) {
    const targetType = hook.targetType ?? "AWS_LAMBDA";
    const e: HookExecution = {
      hookId: newHookId(targetType),
      scope,
      serviceArn: svc.serviceArn!,
      serviceDeploymentArn: owner.serviceDeploymentArn,
      deploymentId: owner.deploymentId,
      ...(owner.rollbackTo ? { rollbackTo: owner.rollbackTo } : {}),
      stageKey,
      targetType,
      ...(targetType === "AWS_LAMBDA" ? { targetArn: hook.hookTargetArn!, roleArn: hook.roleArn! } : {}),
      status: targetType === "PAUSE" ? "AWAITING_ACTION" : "IN_PROGRESS",
      createdAt: now,
      expiresAt: now + (hook.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES) * 60_000,
      timeoutAction: hook.timeoutConfiguration?.action ?? "ROLLBACK",
      invocations: 0,
      ...(hook.hookDetails !== undefined ? { hookDetails: hook.hookDetails } : {}),
    };
    if (targetType === "AWS_LAMBDA") invoke(db, log, svc, state, e, now);
    else saveHookExecution(db, e);
    log.info({ service: svc.serviceArn, hookId: e.hookId, stage: stageKey, targetType }, "lifecycle hook started");
  }
}

/** Records one invocation of a Lambda hook with the event ECS sends the function. */
function invoke(db: Db, log: Logger, svc: Service, state: ServiceState, e: HookExecution, now: number): void {
  e.invocations += 1;
  e.nextInvokeAt = undefined;
  e.pending = { invocationId: `${e.hookId}.${e.invocations}`, invokedAt: now, payload: hookPayload(db, svc, state, e) };
  saveHookExecution(db, e);
  log.debug({ service: svc.serviceArn, hookId: e.hookId, invocation: e.invocations }, "lifecycle hook invoked");
}

/**
 * The event a Lambda hook receives (ECS's "lifecycle payload"): the service, the target revision
 * (in a rollback, the revision it returns to), the test and production traffic weights by
 * revision (percent), the stage, the deployment, and the hook's hookDetails (or those its last
 * answer returned).
 */
function hookPayload(db: Db, svc: Service, state: ServiceState, e: HookExecution): Record<string, unknown> {
  const rev = (id: string | undefined) => (id ? revisionArnOf(db, svc.serviceArn!, id) : undefined);
  const target = rev(e.rollbackTo ?? e.deploymentId);
  const bg = state.blueGreen;
  const production: Record<string, number> = {};
  const serving = rev(bg?.production);
  if (bg?.shifting && rev(bg.shifting.deploymentId)) {
    production[rev(bg.shifting.deploymentId)!] = bg.shifting.tenths / 10;
    if (serving) production[serving] = 100 - bg.shifting.tenths / 10;
  } else if (serving) production[serving] = 100;
  // The test listener rules send all test traffic to one revision: the new one from its
  // TEST_TRAFFIC_SHIFT stage on, before that the one they were left on (none for a new service).
  const hasTestRule = (svc.loadBalancers ?? []).some((lb) => lb.advancedConfiguration?.testListenerRule);
  const tested = hasTestRule ? rev(bg?.test) : undefined;
  return {
    executionDetails: {
      testTrafficWeights: tested ? { [tested]: 100 } : {},
      productionTrafficWeights: production,
      serviceArn: svc.serviceArn,
      targetServiceRevisionArn: target,
    },
    executionId: e.hookId,
    lifecycleStage: stageOf(e.stageKey),
    resourceArn: e.serviceDeploymentArn,
    ...(e.hookDetails !== undefined ? { hookDetails: e.hookDetails } : {}),
  };
}
