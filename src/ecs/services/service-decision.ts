import { protectionExpiry } from "../tasks/task-protection.js";
import type { Deployment, Failure, LoadBalancer, PlacementStrategy, Service, Task, TaskDefinition, TaskSet } from "@aws-sdk/client-ecs";
import { computedDesiredCount, stabilityOf, taskSetCounts, usesTaskSets } from "./task-set-model.js";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { ServiceError } from "../../core/errors.js";
import { filterInstances, selectTasksToStop } from "../../scheduler/index.js";
import { findCluster } from "../clusters/cluster-store.js";
import { awaitsDrain, findTask, saveTask, type StoredTask } from "../tasks/task-store.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { instancesOf } from "../instances/instance-store.js";
import { placementSnapshots } from "../placement/ec2-placement.js";
import { constraintsFor } from "../placement/placement-request.js";
import { propagatedTags } from "../tasks/launch-options.js";
import { createTasks } from "../tasks/task-creation.js";
import { groupByProvider, isFargateStrategy, splitByStrategy } from "../capacity-providers/capacity-provider-split.js";
import { planService } from "./service-plan.js";
import { shiftPlan, TRAFFIC_SHIFTING } from "./deployment-rules.js";
import { syncTargets } from "./service-targets.js";
import type { LoadBalancerTargets } from "./load-balancer-targets.js";
import type { BlueGreenState, HookGates, PlanTarget, PlanTask, ServicePlan, ServicePlanInput } from "./service-plan-types.js";
import { closestFailure, serviceMessages } from "./service-events.js";
import { emitServiceAction } from "./service-action-events.js";
import { emitDecisionActions } from "./decision-service-actions.js";
import { noAlarms, type DeploymentAlarmStates } from "./deployment-alarms.js";
import { followServiceDeployments } from "./service-deployment-sync.js";
import { hookGates, hookOwner, startHooks } from "./lifecycle-hook-gates.js";
import { abandonInvocations } from "./lifecycle-hook-store.js";
import { addEvents, findService, linkTask, markAccounted, saveService, serviceTasks, type StoredService } from "./service-store.js";

export type { DecisionEffects } from "../reconcile-loop.js";
import type { DecisionEffects } from "../reconcile-loop.js";

/**
 * Without placement strategies a service's tasks are spread across Availability Zones and then
 * across instances, as ECS balances a service by default (and scales in the same way).
 */
const DEFAULT_SERVICE_STRATEGIES: PlacementStrategy[] = [
  { type: "spread", field: "attribute:ecs.availability-zone" },
  { type: "spread", field: "instanceId" },
];

const hasHealthCheck = (def: TaskDefinition | undefined) => (def?.containerDefinitions ?? []).some((c) => (c.essential ?? true) && (c.healthCheck?.command?.length ?? 0) > 0);

/**
 * One decision for one service, in one transaction: read the service, its tasks and its
 * cluster; let planService decide; store the outcome (stops, new tasks placed by the placement
 * engine, deployments, events, state). Every random choice is seeded with the service ARN and
 * its decision count, so a decision can be replayed from the same state.
 */
export function decideService(db: Db, clock: Clock, log: Logger, arn: string, lbs: LoadBalancerTargets, alarms: DeploymentAlarmStates = noAlarms): DecisionEffects {
  return db.transaction((): DecisionEffects => {
    const stored = findService(db, arn);
    if (!stored || stored.service.status === "INACTIVE") return { launches: [], stops: [] };
    const { scope, service: svc } = stored;
    const now = clock.now();
    const defs = new Map<string, TaskDefinition | undefined>();
    const defOf = (ref: string) => {
      if (!defs.has(ref)) defs.set(ref, resolveTaskDefinition(db, scope, ref));
      return defs.get(ref);
    };
    const group = `service:${svc.serviceName}`;
    const seed = `${arn}#${stored.state.decisions}`;
    const ec2 = svc.launchType === "EC2" || (!!svc.capacityProviderStrategy?.length && !isFargateStrategy(svc.capacityProviderStrategy));
    const rows = serviceTasks(db, arn);
    const registered = ec2 ? instancesOf(db, scope, svc.clusterArn!, ["ACTIVE", "DRAINING"]) : [];
    // The instances as placement sees them (what each holds, from every task placed on it) only
    // when a decision needs them: a DAEMON service's hosts, or choosing tasks to stop. Made for
    // every decision, they cost each steady service of a busy cluster a read of all its tasks, once a
    // second (~90 ms a second with 100 services of one task: docs/benchmarks.md, console).
    let snapshots: ReturnType<typeof placementSnapshots> | undefined;
    const placementView = () => (snapshots ??= placementSnapshots(db, svc.clusterArn!, registered));
    // As in ECS, tasks on an instance whose agent went silent stay put: only when the grace period
    // ends are they stopped (remote-agent-liveness.ts) and then replaced. Drained or deregistered
    // instances are left at once.
    const keepable = registered.filter((s) => s.instance.status === "ACTIVE").map((s) => s.instance.containerInstanceArn!);
    const holdsTask = (arn: string) => rows.some((r) => r.task.containerInstanceArn === arn && r.task.desiredStatus !== "STOPPED");
    const daemonHosts = () => placementView().filter((s) => s.status === "ACTIVE" && (s.agentConnected || holdsTask(s.arn)));
    const primaryRef = svc.deployments?.[0]?.taskDefinition;
    const primaryDef = primaryRef ? defOf(primaryRef) : undefined;
    // EXTERNAL and CODE_DEPLOY services: each task set has its own load balancers.
    const taskSets = usesTaskSets(svc) ? svc.taskSets ?? [] : undefined;
    const lbsOf = loadBalancersByDeployment(svc);

    const tasks: PlanTask[] = rows.map(({ task, deploymentId, accounted }) => ({
      arn: task.taskArn!,
      deploymentId,
      lastStatus: task.lastStatus!,
      desiredStatus: task.desiredStatus!,
      health: task.healthStatus,
      hasHealthCheck: hasHealthCheck(defOf(task.taskDefinitionArn!)),
      startedAt: task.startedAt?.getTime(),
      stopCode: task.stopCode,
      stoppedWhileDown: (task as StoredTask).stoppedWhileDown === true,
      accounted,
      instanceArn: task.containerInstanceArn,
      protected: protectionExpiry(db, task.taskArn!, now.getTime()) !== undefined,
      ...(lbsOf(deploymentId).length ? { targets: targetsWithHealth(lbs, scope, task as StoredTask) } : {}),
    }));

    const alarmConfig = svc.deploymentConfiguration?.alarms;
    const blueGreen = !taskSets && TRAFFIC_SHIFTING.has(svc.deploymentConfiguration?.strategy ?? "ROLLING") && svc.loadBalancers?.length ? blueGreenState(stored, lbs) : undefined;
    const state = blueGreen ? { ...stored.state, blueGreen } : stored.state;
    // Hooks only hold a deployment being carried out: a steady service reads none of them.
    const hooks = blueGreen && svc.deployments?.[0]?.rolloutState === "IN_PROGRESS" ? hookGates(db, log, svc, state, now.getTime()) : undefined;
    const input: ServicePlanInput = {
      now: now.getTime(),
      name: svc.serviceName!,
      status: svc.status === "DRAINING" ? "DRAINING" : "ACTIVE",
      schedulingStrategy: svc.schedulingStrategy === "DAEMON" ? "DAEMON" : "REPLICA",
      desiredCount: svc.desiredCount ?? 0,
      ...(ec2 ? { usableInstances: new Set(keepable) } : {}),
      ...(svc.schedulingStrategy === "DAEMON" ? { daemonInstances: daemonInstances(daemonHosts(), primaryDef ? constraintsFor(primaryDef, svc.placementConstraints) : []) } : {}),
      minimumHealthyPercent: svc.deploymentConfiguration?.minimumHealthyPercent ?? 100,
      maximumPercent: svc.deploymentConfiguration?.maximumPercent ?? 200,
      ...(!taskSets && alarmConfig?.enable ? { alarms: { inAlarm: alarms.inAlarm(scope, alarmConfig.alarmNames ?? [], new Date(svc.deployments![0]!.createdAt!)), rollback: alarmConfig.rollback ?? false } } : {}),
      circuitBreaker: { enable: svc.deploymentConfiguration?.deploymentCircuitBreaker?.enable ?? false, rollback: svc.deploymentConfiguration?.deploymentCircuitBreaker?.rollback ?? false },
      healthCheckGracePeriodSeconds: svc.healthCheckGracePeriodSeconds ?? 0,
      deployments: (svc.deployments ?? []).map((d) => ({
        id: d.id!, status: d.status === "PRIMARY" ? "PRIMARY" : "ACTIVE", rolloutState: (d.rolloutState ?? "IN_PROGRESS") as "IN_PROGRESS", rolloutStateReason: d.rolloutStateReason ?? "", failedTasks: d.failedTasks ?? 0,
      })),
      tasks,
      state,
      ...(taskSets ? { taskSets: taskSets.map((t) => ({ id: t.id!, desiredCount: computedDesiredCount(svc.desiredCount ?? 0, t) })) } : {}),
      ...(hooks ? { hooks } : {}),
      ...(blueGreen ? { blueGreen: { ...blueGreen, bakeMs: (svc.deploymentConfiguration?.bakeTimeInMinutes ?? 0) * 60_000, ...shiftPlan(svc.deploymentConfiguration!) } } : {}),
      // Scale-in reads the service's placement strategies backwards (src/scheduler); tasks whose
      // instance is gone go first, since nothing can be said about where they run.
      chooseToStop: (candidates, count) => {
        const known = new Set(registered.map((s) => s.instance.containerInstanceArn!));
        const placed = candidates.filter((c) => c.instanceArn && known.has(c.instanceArn));
        const picked = candidates.filter((c) => !placed.includes(c)).slice(0, count);
        if (picked.length >= count || placed.length === 0) return picked;
        const strategies = svc.placementStrategy?.length ? svc.placementStrategy : undefined;
        const r = selectTasksToStop({ clusterArn: svc.clusterArn, instances: placementView() }, { group, count: count - picked.length, strategies, seed, taskArns: placed.map((c) => c.arn) });
        const byArn = new Map(placed.map((c) => [c.arn, c]));
        return [...picked, ...(r.ok ? r.taskArns.map((a) => byArn.get(a)!) : placed.slice(0, count - picked.length))];
      },
    };
    const plan = planService(input);
    return apply(db, log, stored, plan, { now, group, seed, defOf, lbs, hooks });
  })();
}

/**
 * BLUE_GREEN: the service's slots, the primary deployment given one if it has none yet: the
 * other target group of each pair than the one production traffic goes to (the first deployment:
 * the loadBalancers' targetGroupArn). Test traffic moves to it later, at its TEST_TRAFFIC_SHIFT stage.
 */
function blueGreenState(stored: StoredService, lbs: LoadBalancerTargets): BlueGreenState {
  const { scope, service: svc } = stored;
  let current = stored.state.blueGreen ?? { slots: {} };
  const primary = svc.deployments![0]!.id!;
  if (current.slots[primary] !== undefined) return current;
  const serving = current.production === undefined ? undefined : current.slots[current.production];
  const slot: 0 | 1 = serving === undefined ? 0 : serving === 0 ? 1 : 0;
  // Test traffic left on a deployment this one overtook (it shares the new one's groups) goes back
  // to production's groups: the new deployment gets none before its own TEST_TRAFFIC_SHIFT.
  if (serving !== undefined && current.test !== undefined && current.test !== current.production) {
    for (const lb of svc.loadBalancers ?? []) {
      const test = lb.advancedConfiguration?.testListenerRule;
      if (test) lbs.setForwardWeights(scope, test, pairWeights(lb, serving));
    }
    current = { ...current, test: current.production };
  }
  // Slots of deployments that are over are forgotten; those production and test traffic go to are kept.
  const live = new Set([...(svc.deployments ?? []).map((d) => d.id!), current.production, current.test]);
  const slots = Object.fromEntries(Object.entries(current.slots).filter(([id]) => live.has(id)));
  return { ...current, slots: { ...slots, [primary]: slot } };
}

/** The target group of a load balancer's pair that a slot names. */
export const targetGroupOfSlot = (lb: LoadBalancer, slot: 0 | 1 | undefined) => (slot === 1 ? lb.advancedConfiguration!.alternateTargetGroupArn! : lb.targetGroupArn!);

/**
 * A rule's weights: `tenths` of a thousand to the slot's target group, the rest to the other;
 * all of it as 100 / 0. ELB weights go up to 999, so a 0.1% step is still exact.
 */
const pairWeights = (lb: LoadBalancer, slot: 0 | 1, tenths = 1000) => {
  const [to, other] = tenths >= 1000 ? [100, 0] : [tenths, 1000 - tenths];
  return new Map([[targetGroupOfSlot(lb, slot), to], [targetGroupOfSlot(lb, slot === 0 ? 1 : 0), other]]);
};

/**
 * A running task's targets and their health as the load balancers report it; none while it is
 * not registered (or no longer running, when the scheduler no longer asks about its health).
 */
function targetsWithHealth(lbs: LoadBalancerTargets, scope: StoredService["scope"], task: StoredTask): PlanTarget[] {
  const reg = task.loadBalancerTargets;
  if (!reg || reg.deregistered || task.lastStatus !== "RUNNING") return [];
  return reg.targets.map((t) => {
    const h = lbs.health(scope, t.targetGroupArn, { id: t.id, port: t.port });
    return { ...t, state: h.state, ...(h.description ? { description: h.description } : {}) };
  });
}

/** DAEMON: the given instances that meet the service's memberOf constraints. */
function daemonInstances(usable: ReturnType<typeof placementSnapshots>, constraints: Array<{ type?: string; expression?: string }>): string[] {
  let eligible = usable;
  for (const c of constraints) {
    if (c.type !== "memberOf" || !c.expression) continue;
    const r = filterInstances(eligible, c.expression);
    if (r.ok) eligible = [...r.instances];
  }
  return eligible.map((s) => s.arn);
}

function apply(
  db: Db,
  log: Logger,
  stored: StoredService,
  plan: ServicePlan,
  { now, group, seed, defOf, lbs, hooks }: { now: Date; group: string; seed: string; defOf: (ref: string) => TaskDefinition | undefined; lbs: LoadBalancerTargets; hooks: HookGates | undefined },
): DecisionEffects {
  const { scope, service: svc } = stored;
  const arn = svc.serviceArn!;
  markAccounted(db, plan.accounted);

  const stops: DecisionEffects["stops"] = [];
  for (const s of plan.stops) {
    const task = findTask(db, s.taskArn);
    if (!task || task.desiredStatus === "STOPPED") continue;
    saveTask(db, scope, { ...task, desiredStatus: "STOPPED", stopCode: "ServiceSchedulerInitiated", stoppedReason: s.reason, version: (task.version ?? 0) + 1 });
    stops.push(s);
  }

  const previous = new Map((svc.deployments ?? []).map((d) => [d.id!, d]));
  const deployments: Deployment[] = plan.deployments.map((p) => {
    const d = previous.get(p.id)!;
    const changed = d.status !== p.status || d.rolloutState !== p.rolloutState || d.rolloutStateReason !== p.rolloutStateReason || d.failedTasks !== p.failedTasks;
    return changed ? { ...d, status: p.status, rolloutState: p.rolloutState, rolloutStateReason: p.rolloutStateReason, failedTasks: p.failedTasks, updatedAt: now } : d;
  });
  const next: Service = { ...svc, deployments, desiredCount: plan.desiredCount };
  if (plan.rolledBackTo) {
    // The service runs what the deployment it rolled back to runs.
    const back = deployments[0]!;
    next.taskDefinition = back.taskDefinition;
    next.networkConfiguration = back.networkConfiguration;
  }
  if (plan.inactive) next.status = "INACTIVE";

  const events = [...plan.events];
  let state = { ...plan.state, decisions: plan.state.decisions + (plan.start || plan.taskSetStarts || plan.stops.length ? 1 : 0) };
  if (plan.shiftTo && state.blueGreen) {
    // Every production rule moves in one step; at 1000 the deployment has all production traffic.
    const { deploymentId, tenths } = plan.shiftTo;
    const slot = state.blueGreen.slots[deploymentId] ?? 0;
    for (const lb of svc.loadBalancers ?? []) {
      const rule = lb.advancedConfiguration?.productionListenerRule;
      if (rule) lbs.setForwardWeights(scope, rule, pairWeights(lb, slot, tenths));
    }
    const { shifting: _done, ...rest } = state.blueGreen;
    state = {
      ...state,
      blueGreen: tenths >= 1000 ? { ...rest, production: deploymentId, productionSince: now.getTime() } : { ...rest, shifting: { deploymentId, tenths, since: now.getTime() } },
    };
  }
  if (plan.testShiftTo && state.blueGreen) {
    // TEST_TRAFFIC_SHIFT: every test rule sends all its traffic to the deployment's target groups.
    const slot = state.blueGreen.slots[plan.testShiftTo] ?? 0;
    for (const lb of svc.loadBalancers ?? []) {
      const rule = lb.advancedConfiguration?.testListenerRule;
      if (rule) lbs.setForwardWeights(scope, rule, pairWeights(lb, slot));
    }
    state = { ...state, blueGreen: { ...state.blueGreen, test: plan.testShiftTo } };
  }
  const launches: DecisionEffects["launches"] = [];
  if (plan.start) {
    const deployment = deployments.find((d) => d.id === plan.start!.deploymentId)!;
    const def = defOf(deployment.taskDefinition!);
    if (def) launches.push(...start(db, log, stored, deployment, def, plan.start, { now, group, seed, events }));
  }

  for (const want of plan.taskSetStarts ?? []) {
    const set = next.taskSets?.find((t) => t.id === want.deploymentId);
    const def = set ? defOf(set.taskDefinition!) : undefined;
    // A task set is a deployment for the task launcher: the same id, task definition, launch and network.
    if (set && def) launches.push(...start(db, log, stored, set as Deployment, def, want, { now, group, seed, events }));
  }

  // Registered tasks are deregistered before they stop: those still running wait in
  // DEACTIVATING for their drain, and their stops are sent once it is over.
  const slots = state.blueGreen?.slots;
  const rows = serviceTasks(db, arn);
  const deploymentOf = new Map(rows.map((r) => [r.task.taskArn!, r.deploymentId]));
  const targetGroupFor = (task: Task, lb: LoadBalancer) => (slots ? targetGroupOfSlot(lb, slots[deploymentOf.get(task.taskArn!) ?? ""]) : lb.targetGroupArn!);
  const lbsOf = loadBalancersByDeployment(next);
  const synced = syncTargets(db, lbs, stored, rows.map((r) => r.task), defOf, now, events, targetGroupFor, (task) => lbsOf(deploymentOf.get(task.taskArn!) ?? ""));
  const held = (taskArn: string) => {
    const t = findTask(db, taskArn) as StoredTask | undefined;
    return t !== undefined && awaitsDrain(t);
  };
  stops.splice(0, stops.length, ...stops.filter((s) => !held(s.taskArn)), ...synced);

  if (next.taskSets) next.taskSets = settleTaskSets(db, next, now);

  addEvents(db, arn, events, now);
  emitDecisionActions(db, { stored, next, plan, events, now });
  followServiceDeployments(db, next, plan, state, now);
  // A stage's hooks start once: while they hold it, hookGates already saw them (unless this
  // decision rolled back, when the rollback's hooks are another deployment's).
  const started = !plan.rolledBackTo && plan.awaitingHook !== undefined && hooks?.started?.has(plan.awaitingHook) === true;
  if (plan.awaitingHook && next.status === "ACTIVE" && !started) startHooks(db, log, scope, next, state, plan.awaitingHook, now.getTime());
  if (state.blueGreen) {
    // Only the hooks of the deployment (or rollback) being carried out are still awaited. Whose
    // they are changes only with the service's status or its primary deployment and rollout state,
    // so the store is asked only when one of those changed since the last decision.
    const primary = deployments[0];
    const carrier = `${next.status}/${primary?.id}/${primary?.rolloutState}`;
    if (state.blueGreen.hooksCarrier !== carrier) {
      const carriedOut = next.status === "ACTIVE" && primary?.rolloutState === "IN_PROGRESS" ? hookOwner(db, next) : undefined;
      abandonInvocations(db, arn, carriedOut);
      state = { ...state, blueGreen: { ...state.blueGreen, hooksCarrier: carrier } };
    }
  }
  // The steady-state service event was written: its EventBridge event too.
  if (plan.state.steadyEventAt !== stored.state.steadyEventAt && plan.state.steadyEventAt === now.getTime()) emitServiceAction(db, scope, next, "INFO", "SERVICE_STEADY_STATE", now);
  const unchanged = JSON.stringify(next) === JSON.stringify(svc) && JSON.stringify(state) === JSON.stringify(stored.state);
  if (!unchanged) saveService(db, { ...stored, service: next, state });
  return { launches, stops };
}

/** The load balancers a deployment's (or task set's) tasks register with. */
function loadBalancersByDeployment(svc: Service): (deploymentId: string) => LoadBalancer[] {
  if (!usesTaskSets(svc)) return () => svc.loadBalancers ?? [];
  const bySet = new Map((svc.taskSets ?? []).map((t) => [t.id!, t.loadBalancers ?? []]));
  return (id) => bySet.get(id) ?? [];
}

/**
 * After a decision: each task set's stability (STEADY_STATE once it runs exactly its computed
 * count, with the time it last changed), and DRAINING task sets with no task left are gone.
 */
function settleTaskSets(db: Db, svc: Service, now: Date): TaskSet[] {
  const counts = taskSetCounts(db, svc.serviceArn!);
  const out: TaskSet[] = [];
  for (const set of svc.taskSets ?? []) {
    const c = counts(set.id!);
    if (set.status === "DRAINING" && c.live === 0) continue;
    const stability = stabilityOf(computedDesiredCount(svc.desiredCount ?? 0, set), c);
    out.push(stability === set.stabilityStatus ? set : { ...set, stabilityStatus: stability, stabilityStatusAt: now });
  }
  return out;
}

/** Creates and places the tasks a decision starts, links them to their deployment, and says what happened. */
function start(
  db: Db,
  log: Logger,
  stored: StoredService,
  deployment: Deployment,
  def: TaskDefinition,
  want: NonNullable<ServicePlan["start"]>,
  { now, group, seed, events }: { now: Date; group: string; seed: string; events: string[] },
): DecisionEffects["launches"] {
  const { scope, service: svc } = stored;
  const cluster = findCluster(db, scope, svc.clusterArn!.split("/").pop()!);
  if (!cluster) return [];
  const fargate = isFargateStrategy(deployment.capacityProviderStrategy) || deployment.launchType === "FARGATE";
  // The deployment's live tasks per provider, so replacements and scale-outs keep ECS's split.
  const strategy = deployment.capacityProviderStrategy ?? [];
  const existing: Record<string, number> = {};
  for (const { task, deploymentId } of serviceTasks(db, svc.serviceArn!)) {
    if (deploymentId === deployment.id && task.desiredStatus !== "STOPPED" && task.capacityProviderName) existing[task.capacityProviderName] = (existing[task.capacityProviderName] ?? 0) + 1;
  }
  const batches = strategy.length ? groupByProvider(splitByStrategy(strategy, want.count, existing)) : [{ provider: undefined, count: want.count }];
  try {
    // A savepoint: if creating the batch fails half-way, none of it stays.
    const created = db.transaction(() => {
      const all = { tasks: [] as Task[], failures: [] as Failure[], empty: false };
      for (const batch of batches) {
        const made = createTasks(db, {
          scope,
          cluster,
          clusterName: cluster.clusterName!,
          taskDefinition: def,
          launchType: fargate ? "FARGATE" : "EC2",
          capacityProviderName: batch.provider,
          waitForCapacity: !fargate && batch.provider !== undefined,
          count: batch.count,
          overrides: {},
          startedBy: deployment.id,
          group,
          networkConfiguration: deployment.networkConfiguration,
          enableExecuteCommand: svc.enableExecuteCommand ?? false,
          tags: propagatedTags(db, svc.propagateTags, [], def, svc.serviceArn),
          now,
          placement: want.instanceArns
            ? { kind: "instances", instanceArns: want.instanceArns }
            : { kind: "plan", constraints: constraintsFor(def, svc.placementConstraints), strategies: svc.placementStrategy?.length ? svc.placementStrategy : DEFAULT_SERVICE_STRATEGIES, seed },
        });
        all.tasks.push(...made.tasks);
        all.failures.push(...made.failures);
        all.empty ||= made.empty;
      }
      return all;
    })();
    for (const t of created.tasks) linkTask(db, t.taskArn!, svc.serviceArn!, deployment.id!);
    if (created.tasks.length) events.push(serviceMessages.started(svc.serviceName!, created.tasks.map((t) => t.taskArn!)));
    if (created.tasks.length < want.count) {
      events.push(serviceMessages.unableToPlace(svc.serviceName!, created.empty ? { kind: "no-instances" } : closestFailure(created.failures)));
      emitServiceAction(db, stored.scope, svc, "ERROR", "SERVICE_TASK_PLACEMENT_FAILURE", now, { reason: created.failures[0]?.reason ?? "RESOURCE:INSTANCE" });
    }
    log.debug({ service: svc.serviceArn, seed, placed: created.tasks.map((t) => t.containerInstanceArn), failures: created.failures }, "service placement");
    // Tasks waiting for capacity launch once the capacity provider scaler has placed them.
    return created.tasks.filter((t) => fargate || t.containerInstanceArn).map((task) => ({ task, taskDefinition: def }));
  } catch (err) {
    // A constraint of the task definition that does not parse, or tags over the limit: the
    // decision goes on without starting anything, and the log says why.
    if (!(err instanceof ServiceError)) throw err;
    log.warn({ service: svc.serviceArn, err: err.message }, "service tasks could not be created");
    return [];
  }
}
