import type { ContainerDefinition, ContainerDependency, KeyValuePair } from "@aws-sdk/client-ecs";
import type { LaunchSpec } from "./protocol/task-runner.js";
import type { LaunchResources } from "./protocol/launch-resources.js";
import type { Scope } from "../core/arn.js";
import { resolveImage, taskScope } from "./image-ref.js";

/**
 * What a task will run, resolved once from the stored task and its definition: overrides
 * applied, defaults filled in, Docker names chosen. Pure; every later step reads the plan.
 */
export type NetworkMode = "bridge" | "host" | "awsvpc" | "none";

export interface PlannedContainer {
  name: string;
  /** Docker container name: ecs-<family>-<revision>-<name>-<taskId>, as the ECS agent names them. */
  dockerName: string;
  /** The reference the engine uses: the definition's image, with ECR URIs mapped to Berth's registry (image-ref.ts). */
  image: string;
  /** Set when the image is in Berth's registry: the account and region to pull with. */
  registryScope?: Scope;
  essential: boolean;
  /** The definition with containerOverrides (command, environment, environmentFiles, cpu, memory, memoryReservation) applied. */
  def: ContainerDefinition;
  /** Seconds between SIGTERM and SIGKILL. */
  stopTimeout: number;
  /** Seconds others wait for this container to reach the condition they depend on. */
  startTimeout: number;
  dependsOn: ContainerDependency[];
  hasHealthCheck: boolean;
}

export interface PlannedVolume {
  name: string;
  /** host: a bind mount of `source`; task: a Docker volume for this task only; shared: a named Docker volume that outlives tasks. */
  kind: "host" | "task" | "shared";
  /** Host path or Docker volume name, as it goes before the colon in a bind. */
  source: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
  autoprovision?: boolean;
}

export interface TaskPlan {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  family: string;
  revision: number;
  networkMode: NetworkMode;
  fargate: boolean;
  /** Task-level size, when the task has one: CPU units (1024 = 1 vCPU) and MiB. */
  cpuUnits?: number;
  memoryMiB?: number;
  containers: PlannedContainer[];
  volumes: PlannedVolume[];
  /** Where bridge ports are published: the task's container instance's address, when the spec names one. */
  hostIp?: string;
  /** What the task metadata endpoint shows besides the plan: as the control plane stored the task. */
  launchType: string;
  availabilityZone?: string;
  /** The service that started the task (its group is service:NAME). */
  serviceName?: string;
  /** Container name -> its containerArn. */
  containerArns: Record<string, string>;
  /** The task has a taskRoleArn (the definition's or an override): its containers get the credentials URI. */
  hasRole: boolean;
  /** The task's secrets as its launch delivered them (launch-resources.ts); absent when it needs none. */
  resources?: LaunchResources;
  /** The task's own passwords for Berth's registry, as its launch delivered them (LaunchSpec.registryPasswords). */
  registryPasswords?: LaunchSpec["registryPasswords"];
}

/** ECS's defaults: 30 s between SIGTERM and SIGKILL (ECS_CONTAINER_STOP_TIMEOUT), 3 min to resolve a dependency. */
export const DEFAULT_STOP_TIMEOUT = 30;
export const DEFAULT_START_TIMEOUT = 180;

/** "1024", "1 vCPU", "0.25 vcpu" -> CPU units. */
export function parseCpu(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const units = m[2] ? Math.round(n * 1024) : Math.round(n);
  return units > 0 ? units : undefined;
}

/** "512", "1 GB", "2GB" -> MiB. */
export function parseMemory(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gb|mb|mib|gib)?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const mib = m[2] && /^g/i.test(m[2]) ? Math.round(n * 1024) : Math.round(n);
  return mib > 0 ? mib : undefined;
}

/** The last part of a task ARN: arn:aws:ecs:region:account:task/cluster/<id>. */
export function taskIdOf(taskArn: string): string {
  return taskArn.split("/").pop() ?? taskArn;
}

function dockerSafe(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, "-");
}

function mergeEnvironment(base: KeyValuePair[] = [], extra: KeyValuePair[] = []): KeyValuePair[] {
  const byName = new Map<string, KeyValuePair>();
  for (const kv of [...base, ...extra]) if (kv.name !== undefined) byName.set(kv.name, kv);
  return [...byName.values()];
}

export interface PlanOptions {
  /** host:port of Berth's registry, when there is one (ECR URIs are mapped to it). */
  registryHost?: string;
}

export function planTask({ task, taskDefinition: td, hostIp, resources, registryPasswords }: LaunchSpec, { registryHost }: PlanOptions = {}): TaskPlan {
  const taskArn = task.taskArn ?? "";
  const taskId = taskIdOf(taskArn);
  const family = td.family ?? "task";
  const revision = td.revision ?? 1;
  const fargate = task.launchType === "FARGATE" || /^FARGATE/.test(task.capacityProviderName ?? "");
  const networkMode: NetworkMode = fargate ? "awsvpc" : ((td.networkMode as NetworkMode | undefined) ?? "bridge");
  const overrides = task.overrides?.containerOverrides ?? [];

  const containers = (td.containerDefinitions ?? []).map((original): PlannedContainer => {
    const name = original.name ?? "";
    const o = overrides.find((x) => x.name === name);
    const def: ContainerDefinition = { ...original };
    if (o?.command) def.command = o.command;
    if (o?.environment) def.environment = mergeEnvironment(original.environment, o.environment);
    // ECS: an override's environment files replace the definition's, where environment variables merge.
    if (o?.environmentFiles) def.environmentFiles = o.environmentFiles;
    if (o?.cpu !== undefined) def.cpu = o.cpu;
    if (o?.memory !== undefined) def.memory = o.memory;
    if (o?.memoryReservation !== undefined) def.memoryReservation = o.memoryReservation;
    const source = resolveImage(def.image ?? "", { registryHost, task: taskScope(taskArn) });
    return {
      name,
      dockerName: dockerSafe(`ecs-${family}-${revision}-${name}-${taskId}`),
      image: source.ref,
      ...(source.scope ? { registryScope: source.scope } : {}),
      essential: def.essential ?? true,
      def,
      stopTimeout: def.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
      startTimeout: def.startTimeout ?? DEFAULT_START_TIMEOUT,
      dependsOn: def.dependsOn ?? [],
      hasHealthCheck: (def.healthCheck?.command?.length ?? 0) > 0,
    };
  });

  const volumes = (td.volumes ?? []).map((v): PlannedVolume => {
    const name = v.name ?? "";
    const dvc = v.dockerVolumeConfiguration;
    if (v.host?.sourcePath) return { name, kind: "host", source: v.host.sourcePath };
    if (dvc && dvc.scope === "shared") {
      return { name, kind: "shared", source: name, driver: dvc.driver, driverOpts: dvc.driverOpts, labels: dvc.labels, autoprovision: dvc.autoprovision ?? false };
    }
    return { name, kind: "task", source: dockerSafe(`ecs-${taskId}-${name}`), driver: dvc?.driver, driverOpts: dvc?.driverOpts, labels: dvc?.labels };
  });

  return {
    taskArn,
    taskId,
    clusterArn: task.clusterArn ?? "",
    family,
    revision,
    networkMode,
    fargate,
    cpuUnits: parseCpu(task.overrides?.cpu ?? task.cpu ?? td.cpu),
    memoryMiB: parseMemory(task.overrides?.memory ?? task.memory ?? td.memory),
    containers,
    volumes,
    hostIp,
    launchType: task.launchType ?? (fargate ? "FARGATE" : "EC2"),
    availabilityZone: task.availabilityZone,
    serviceName: task.group?.startsWith("service:") ? task.group.slice("service:".length) : undefined,
    containerArns: Object.fromEntries((task.containers ?? []).filter((c) => c.name && c.containerArn).map((c) => [c.name!, c.containerArn!])),
    hasRole: !!(task.overrides?.taskRoleArn ?? td.taskRoleArn),
    resources,
    registryPasswords,
  };
}
