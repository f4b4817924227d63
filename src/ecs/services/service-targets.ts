import type { LoadBalancer, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { findTask, saveTask, type StoredTask, type TaskTargets } from "../tasks/task-store.js";
import { findInstance } from "../instances/instance-store.js";
import type { LbTarget, LoadBalancerTargets } from "./load-balancer-targets.js";
import { networkModeOf } from "./load-balancer-config.js";
import { serviceMessages } from "./service-events.js";
import type { StoredService } from "./service-store.js";

/**
 * The target a task is in one of its service's target groups: awsvpc, the task's private IP and
 * the container port; bridge, its instance's EC2 id and the host port Docker published for the
 * container port; host, the instance id and the container port. Undefined while not yet known
 * (no address or binding reported yet).
 */
export function targetOf(db: Db, task: Task, def: TaskDefinition, lb: LoadBalancer): LbTarget | undefined {
  const mode = networkModeOf(def);
  if (mode === "awsvpc") {
    const ip = task.attachments?.find((a) => a.type === "ElasticNetworkInterface")?.details?.find((d) => d.name === "privateIPv4Address")?.value;
    return ip ? { id: ip, port: lb.containerPort! } : undefined;
  }
  const ec2 = task.containerInstanceArn ? findInstance(db, task.containerInstanceArn)?.instance.ec2InstanceId : undefined;
  if (!ec2) return undefined;
  if (mode === "host") return { id: ec2, port: lb.containerPort! };
  const binding = task.containers?.find((c) => c.name === lb.containerName)?.networkBindings?.find((b) => b.containerPort === lb.containerPort && (b.protocol ?? "tcp") === "tcp");
  return binding?.hostPort ? { id: ec2, port: binding.hostPort } : undefined;
}

/**
 * Keeps a service's tasks and its target groups in step, in the decision's transaction (so a
 * registration and the task state recording it commit together, and a task that reached RUNNING
 * while Berth was down is registered by the first decision after the restart):
 * - a RUNNING task that should run is registered in each target group;
 * - a registered task that should stop is deregistered; if it still runs it is held in
 *   DEACTIVATING while its targets drain, as ECS does;
 * - a held task whose drain is over is returned, for its stop to be sent.
 */
export function syncTargets(
  db: Db,
  lbs: LoadBalancerTargets,
  stored: StoredService,
  tasks: readonly Task[],
  defOf: (ref: string) => TaskDefinition | undefined,
  now: Date,
  events: string[],
  /** The target group a task registers in for a load balancer (BLUE_GREEN: its deployment's of the pair). */
  targetGroupFor: (task: Task, lb: LoadBalancer) => string = (_task, lb) => lb.targetGroupArn!,
  /** The load balancers a task registers with (task sets: its task set's). */
  loadBalancersOf: (task: Task) => readonly LoadBalancer[] = () => stored.service.loadBalancers ?? [],
): Array<{ taskArn: string; reason: string }> {
  const { scope, service: svc } = stored;
  const name = svc.serviceName!;
  const registered = new Map<string, number>();
  const deregistered = new Map<string, number>();
  const drainingStarted: string[] = [];
  const stops: Array<{ taskArn: string; reason: string }> = [];
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  for (const task of tasks as StoredTask[]) {
    const reg = task.loadBalancerTargets;
    const balancers = loadBalancersOf(task);
    if (!reg && balancers.length && task.lastStatus === "RUNNING" && task.desiredStatus === "RUNNING") {
      const def = defOf(task.taskDefinitionArn!);
      const targets = def ? balancers.map((lb) => ({ lb, target: targetOf(db, task, def, lb) })) : [];
      if (!def || targets.some((t) => !t.target)) continue; // asked again at the next decision
      const done: TaskTargets["targets"] = [];
      for (const { lb, target } of targets) {
        const tg = targetGroupFor(task, lb);
        lbs.register(scope, tg, target!);
        done.push({ targetGroupArn: tg, ...target! });
        bump(registered, tg);
      }
      save(db, scope, { ...task, loadBalancerTargets: { targets: done } });
    } else if (reg && !reg.deregistered && task.desiredStatus === "STOPPED") {
      let until = now.getTime();
      for (const t of reg.targets) {
        until = Math.max(until, lbs.deregister(scope, t.targetGroupArn, { id: t.id, port: t.port }));
        bump(deregistered, t.targetGroupArn);
      }
      const running = task.lastStatus === "RUNNING";
      if (running) drainingStarted.push(task.taskArn!);
      save(db, scope, { ...task, ...(running ? { lastStatus: "DEACTIVATING" } : {}), loadBalancerTargets: { ...reg, deregistered: true, ...(running ? { drainUntil: until } : {}) } });
    }
  }
  // A second pass over the stored tasks, so a drain that ended at once (a group without traffic) is sent now.
  for (const task of tasks.map((t) => findTask(db, t.taskArn!) as StoredTask | undefined)) {
    if (!task) continue;
    const reg = task.loadBalancerTargets;
    if (reg?.drainUntil === undefined || task.lastStatus !== "DEACTIVATING" || reg.drainUntil > now.getTime()) continue;
    save(db, scope, { ...task, loadBalancerTargets: { targets: reg.targets, deregistered: true } });
    stops.push({ taskArn: task.taskArn!, reason: task.stoppedReason ?? "Task stopped by user" });
  }

  for (const [tg, n] of registered) events.push(serviceMessages.registeredTargets(name, n, tg));
  for (const [tg, n] of deregistered) events.push(serviceMessages.deregisteredTargets(name, n, tg));
  if (drainingStarted.length) events.push(serviceMessages.drainingConnections(name, drainingStarted.length));
  return stops;
}

function save(db: Db, scope: Scope, task: StoredTask) {
  saveTask(db, scope, { ...task, version: (task.version ?? 0) + 1 });
}
