import type { CapacityProvider, Cluster, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import type { Scope } from "../../core/arn.js";
import type { TaskRunner } from "../../agent/protocol/task-runner.js";
import { findTask, saveTask } from "../tasks/task-store.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { networkModeOf } from "../tasks/task-builder.js";
import { AGENT_RESERVED_PORTS, reservationOf, resourcesOf, type Reservation } from "../instances/instance-resources.js";
import { placeEc2Tasks } from "../placement/ec2-placement.js";
import { constraintsFor } from "../placement/placement-request.js";
import { attributeValue, instancesOf, saveInstance, type StoredInstance } from "../instances/instance-store.js";
import { instanceUsage, savePlacement } from "../tasks/task-placements.js";
import { forgetWaitingPlacement, waitingPlacement } from "../tasks/waiting-placements.js";
import { BERTH_AMI_ID, agentVersionInfo, cpuArchitecture, registerInstance } from "../instances/instance-registration.js";
import { clustersUsing } from "./capacity-provider-store.js";
import { instancesNeeded, scalingStep, tasksPerInstance } from "./capacity-provider-scaling.js";

export interface CapacityScalerDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, "instanceCpu" | "instanceMemory" | "instanceType" | "availabilityZones" | "hostIp" | "capacityProviderPoolMaxSize">;
  runner: TaskRunner;
  log: Logger;
  dockerVersion: string;
  intervalMs?: number;
}

interface ProviderRow {
  scope: Scope;
  provider: CapacityProvider;
}

/** Every ACTIVE Auto Scaling group provider, in any account and region. */
function activeProviders(db: Db): ProviderRow[] {
  const rows = db.prepare("SELECT account, region, doc FROM capacity_providers WHERE status = 'ACTIVE' ORDER BY seq").all() as Array<{ account: string; region: string; doc: string }>;
  return rows.map((r) => ({ scope: { account: r.account, region: r.region }, provider: JSON.parse(r.doc) as CapacityProvider }));
}

/** The provider's tasks that wait in PROVISIONING for an instance, oldest first. */
function waitingTasks(db: Db, clusterArn: string, provider: string): Task[] {
  const rows = db.prepare("SELECT doc FROM tasks WHERE cluster_arn = ? AND launch_type = 'EC2' AND last_status = 'PROVISIONING' AND desired_status = 'RUNNING' ORDER BY seq").all(clusterArn) as Array<{ doc: string }>;
  return rows.map((r) => JSON.parse(r.doc) as Task).filter((t) => t.capacityProviderName === provider && !t.containerInstanceArn);
}

/** The group's pool: the provider's ACTIVE instances in the cluster. */
const poolOf = (db: Db, scope: Scope, clusterArn: string, provider: string): StoredInstance[] =>
  instancesOf(db, scope, clusterArn, ["ACTIVE"]).filter((i) => i.instance.capacityProviderName === provider);

/**
 * ECS cluster auto scaling over Berth's pools of virtual instances. On every tick, for each ACTIVE
 * Auto Scaling group provider associated with a cluster: (1) tasks waiting in PROVISIONING are
 * placed on the provider's instances where they now fit and launched; (2) with managed scaling
 * ENABLED, the pool grows or shrinks towards targetCapacity (CapacityProviderReservation = M/N x
 * 100): new instances register in the cluster as `berth up --instances` ones do, with the
 * provider's name as capacityProviderName; idle instances (no task that is not STOPPED) are
 * deregistered, newest first, so managedTerminationProtection's promise (an instance running
 * non-daemon tasks is never taken away) always holds. One transaction per provider per tick;
 * launches only after it commits, so a task is stored placed before its first report.
 */
/** What the first waiting task needs, from which the pool's size is worked out. */
type Demand = Reservation & { distinctInstance: boolean };

export function createCapacityScaler(deps: CapacityScalerDeps): { tick(): void; start(): void; stop(): void } {
  const { db, clock, config, runner, log, dockerVersion, intervalMs = 1000 } = deps;
  let timer: NodeJS.Timeout | undefined;

  const place = (scope: Scope, cluster: Cluster, name: string) => {
    const launches: Array<{ task: Task; taskDefinition: TaskDefinition }> = [];
    let waiting = 0;
    let demand: Demand | undefined;
    for (const task of waitingTasks(db, cluster.clusterArn!, name)) {
      const def = resolveTaskDefinition(db, scope, task.taskDefinitionArn!);
      if (!def) continue;
      const need = reservationOf(task, def, networkModeOf(def, "EC2"));
      // As its RunTask or service asked; a task stored by an older Berth has only its definition's constraints.
      const asked = waitingPlacement(db, task.taskArn!) ?? { constraints: constraintsFor(def, []), strategies: [] };
      demand ??= { ...need, distinctInstance: asked.constraints.some((c) => c.type === "distinctInstance") };
      const placed = placeEc2Tasks(db, scope, cluster, need, task.group ?? "", 1, { kind: "plan", ...asked, seed: task.taskArn! }, name);
      const instance = placed.instances[0];
      if (!instance) {
        waiting++;
        continue;
      }
      const arn = instance.instance.containerInstanceArn!;
      const next: Task = { ...task, containerInstanceArn: arn, availabilityZone: attributeValue(db, arn, "ecs.availability-zone") ?? task.availabilityZone, version: (task.version ?? 0) + 1 };
      saveTask(db, scope, next);
      savePlacement(db, task.taskArn!, arn, need);
      forgetWaitingPlacement(db, task.taskArn!);
      launches.push({ task: next, taskDefinition: def });
    }
    return { launches, waiting, demand };
  };

  const scale = (scope: Scope, cluster: Cluster, provider: CapacityProvider, waiting: number, demand: Demand | undefined) => {
    const name = provider.name!;
    const ms = provider.autoScalingGroupProvider?.managedScaling;
    if (ms?.status !== "ENABLED") return;
    const pool = poolOf(db, scope, cluster.clusterArn!, name);
    const usage = instanceUsage(db, pool.map((i) => i.instance.containerInstanceArn!));
    const idle = pool.filter((i) => usage.get(i.instance.containerInstanceArn!)!.active === 0);
    const perInstance = demand ? tasksPerInstance(demand, { cpu: config.instanceCpu, memory: config.instanceMemory }) : 1;
    const needed = instancesNeeded(pool.length - idle.length, waiting, perInstance);
    const step = scalingStep({
      instances: pool.length, needed, targetCapacity: ms.targetCapacity ?? 100, minimumScalingStepSize: ms.minimumScalingStepSize ?? 1,
      maximumScalingStepSize: ms.maximumScalingStepSize ?? 10000, minSize: 0, maxSize: config.capacityProviderPoolMaxSize,
    });
    if (step > 0) {
      const zones = config.availabilityZones.split(",");
      for (let k = 0; k < step; k++) {
        const stored = registerInstance(db, scope, cluster, {
          identity: { availabilityZone: zones[(pool.length + k) % zones.length]!, instanceType: config.instanceType, amiId: BERTH_AMI_ID, cpuArchitecture: cpuArchitecture() },
          registeredResources: resourcesOf({ cpu: config.instanceCpu, memory: config.instanceMemory, ports: AGENT_RESERVED_PORTS, portsUdp: [] }),
          versionInfo: agentVersionInfo(dockerVersion),
          hostIp: config.hostIp,
          now: clock.now(),
        });
        saveInstance(db, scope, { ...stored, instance: { ...stored.instance, capacityProviderName: name } });
      }
      log.info({ provider: name, cluster: cluster.clusterArn, added: step, needed, instances: pool.length + step }, "capacity provider scaled out");
    } else if (step < 0) {
      const remove = idle.slice(-Math.min(-step, idle.length));
      for (const s of remove) saveInstance(db, scope, { ...s, instance: { ...s.instance, status: "INACTIVE", agentConnected: false, version: (s.instance.version ?? 0) + 1 } });
      if (remove.length) log.info({ provider: name, cluster: cluster.clusterArn, removed: remove.length, needed, instances: pool.length - remove.length }, "capacity provider scaled in");
    }
  };

  const tick = () => {
    for (const { scope, provider } of activeProviders(db)) {
      try {
        const launches = db.transaction(() => {
          const clusterArn = clustersUsing(db, scope, provider.name!)[0];
          if (!clusterArn) return [];
          const row = db.prepare("SELECT doc FROM clusters WHERE arn = ?").get(clusterArn) as { doc: string } | undefined;
          if (!row) return [];
          const cluster = JSON.parse(row.doc) as Cluster;
          const { launches, waiting, demand } = place(scope, cluster, provider.name!);
          scale(scope, cluster, provider, waiting, demand);
          return launches;
        })();
        for (const l of launches) {
          // Stopped while the transaction ran: the runner is told nothing, the stop already reported.
          if (findTask(db, l.task.taskArn!)?.desiredStatus === "STOPPED") continue;
          runner.launch({ task: { ...l.task, tags: undefined }, taskDefinition: l.taskDefinition });
        }
      } catch (err) {
        log.error({ err, provider: provider.capacityProviderArn }, "capacity provider scaling failed");
      }
    }
  };

  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
