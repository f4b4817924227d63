import type Docker from "dockerode";
import { LABEL_BERTH, LABEL_CLUSTER, LABEL_CONTAINER, LABEL_PAUSE, LABEL_TASK, LABEL_TASK_IP } from "./labels.js";
import { TaskError } from "./errors.js";
import type { HostPolicy } from "../core/host-policy.js";
import { hostPowersRefusal } from "./host-powers-guard.js";
import { healthConfig } from "./health.js";
import { awsvpcPorts, bridgePorts } from "./port-bindings.js";
import type { PlannedContainer, TaskPlan } from "./task-plan.js";

/**
 * Pure mapping of a planned container (definition + overrides) and its task's network mode into
 * the Engine API's create options. Nothing here talks to the engine.
 */
export interface ContainerSpecInput {
  berthId: string;
  plan: TaskPlan;
  container: PlannedContainer;
  /** Address bridge-mode ports are published on. */
  hostIp: string;
  /** awsvpc: the container that holds the task's network namespace. */
  pauseContainerId?: string;
  /** The per-task cgroup (cgroupfs path) that enforces the task-level size. */
  cgroupParent?: string;
  /** No per-task cgroup: apply the task-level size to each container instead. */
  taskLimitsPerContainer?: boolean;
  /** This host's limits on privileged containers, capabilities and host paths (its agent's config). */
  policy: HostPolicy;
  /** What ECS's agent adds to every container's environment (metadata and credentials URIs, ...); the definition's own variables win. */
  endpointEnvironment?: Record<string, string>;
}

const MiB = 1024 * 1024;

/** Labels every Berth container of a task carries, plus those the ECS agent puts on its containers. */
export function taskLabels(berthId: string, plan: TaskPlan): Record<string, string> {
  return {
    [LABEL_BERTH]: berthId,
    [LABEL_CLUSTER]: plan.clusterArn,
    [LABEL_TASK]: plan.taskArn,
    "com.amazonaws.ecs.cluster": plan.clusterArn,
    "com.amazonaws.ecs.task-arn": plan.taskArn,
    "com.amazonaws.ecs.task-definition-family": plan.family,
    "com.amazonaws.ecs.task-definition-version": String(plan.revision),
  };
}

/** ECS on Linux passes CPU units as CPU shares, clamped to what the kernel accepts (2..262144). */
export function cpuShares(cpu: number | undefined): number {
  return Math.min(262144, Math.max(2, cpu ?? 0));
}

/**
 * What ECS's agent adds (metadata and credentials URIs, AWS_ENDPOINT_URL, region), then the
 * definition's environment, then its resolved `secrets` (launch-resources.ts). A variable the
 * task sets itself, as environment or secret, wins over an added one.
 */
function environmentOf(plan: TaskPlan, c: PlannedContainer, added: Record<string, string>): string[] | undefined {
  const secrets = plan.resources && "containers" in plan.resources ? (plan.resources.containers[c.name]?.environment ?? []) : [];
  const own = new Set([...(c.def.environment ?? []).map((kv) => kv.name), ...secrets.map((s) => s.name)]);
  const env = [
    ...Object.entries(added).filter(([k]) => !own.has(k)).map(([k, v]) => `${k}=${v}`),
    ...(c.def.environment ?? []).map((kv) => `${kv.name}=${kv.value ?? ""}`),
    ...secrets.map((s) => `${s.name}=${s.value}`),
  ];
  return env.length || c.def.environment ? env : undefined;
}

export function containerCreateOptions(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { berthId, plan, container: c, hostIp, pauseContainerId, cgroupParent, taskLimitsPerContainer, policy, endpointEnvironment = {} } = input;
  const d = c.def;
  const mode = plan.networkMode;
  const byName = new Map(plan.containers.map((x) => [x.name, x]));

  const binds = (d.mountPoints ?? []).map((mp) => {
    const volume = plan.volumes.find((v) => v.name === mp.sourceVolume);
    if (!volume) throw new TaskError("CannotCreateContainerError", `mount point ${mp.containerPath} refers to volume ${mp.sourceVolume}, which the task definition does not declare`, c.name);
    return `${volume.source}:${mp.containerPath}${mp.readOnly ? ":ro" : ""}`;
  });
  const volumesFrom = (d.volumesFrom ?? []).map((v) => {
    const source = byName.get(v.sourceContainer ?? "");
    if (!source) throw new TaskError("CannotCreateContainerError", `volumesFrom refers to container ${v.sourceContainer}, which the task definition does not declare`, c.name);
    return `${source.dockerName}:${v.readOnly ? "ro" : "rw"}`;
  });

  let memory = d.memory !== undefined ? d.memory * MiB : undefined;
  let nanoCpus: number | undefined;
  if (taskLimitsPerContainer) {
    if (plan.memoryMiB !== undefined) memory = Math.min(memory ?? Infinity, plan.memoryMiB * MiB);
    if (plan.cpuUnits !== undefined) nanoCpus = Math.round((plan.cpuUnits / 1024) * 1e9);
  }

  const hostConfig: Docker.HostConfig = {
    CpuShares: cpuShares(d.cpu),
    Memory: memory,
    MemoryReservation: d.memoryReservation !== undefined ? d.memoryReservation * MiB : undefined,
    NanoCpus: nanoCpus,
    CgroupParent: cgroupParent,
    Binds: binds.length ? binds : undefined,
    VolumesFrom: volumesFrom.length ? volumesFrom : undefined,
    ReadonlyRootfs: d.readonlyRootFilesystem ?? undefined,
    Privileged: d.privileged ?? undefined,
    Ulimits: d.ulimits?.map((u) => ({ Name: u.name, Soft: u.softLimit, Hard: u.hardLimit })),
    SecurityOpt: d.dockerSecurityOptions,
    Sysctls: d.systemControls?.length ? Object.fromEntries(d.systemControls.map((s) => [s.namespace ?? "", s.value ?? ""])) : undefined,
    Init: d.linuxParameters?.initProcessEnabled ?? undefined,
    CapAdd: d.linuxParameters?.capabilities?.add,
    CapDrop: d.linuxParameters?.capabilities?.drop,
    ShmSize: d.linuxParameters?.sharedMemorySize !== undefined ? d.linuxParameters.sharedMemorySize * MiB : undefined,
    Tmpfs: d.linuxParameters?.tmpfs?.length
      ? Object.fromEntries(d.linuxParameters.tmpfs.map((t) => [t.containerPath ?? "", [`size=${t.size ?? 0}m`, ...(t.mountOptions ?? [])].join(",")]))
      : undefined,
  };

  const config: Docker.ContainerCreateOptions = {
    name: c.dockerName,
    Image: c.image,
    Entrypoint: d.entryPoint,
    Cmd: d.command,
    Env: environmentOf(plan, c, endpointEnvironment),
    WorkingDir: d.workingDirectory,
    User: d.user,
    Tty: d.pseudoTerminal ?? undefined,
    OpenStdin: d.interactive ?? undefined,
    Labels: { ...(d.dockerLabels ?? {}), ...taskLabels(berthId, plan), [LABEL_CONTAINER]: c.name, "com.amazonaws.ecs.container-name": c.name },
    Healthcheck: healthConfig(d.healthCheck),
    StopTimeout: c.stopTimeout,
    HostConfig: hostConfig,
  };

  if (mode === "awsvpc") {
    if (!pauseContainerId) throw new Error("awsvpc container without a pause container");
    // Joins the pause container's namespace: hostname, DNS, extra hosts and ports belong to it.
    hostConfig.NetworkMode = `container:${pauseContainerId}`;
  } else {
    hostConfig.NetworkMode = mode;
    if (mode !== "host") config.Hostname = d.hostname;
    config.NetworkDisabled = d.disableNetworking ?? undefined;
    hostConfig.Dns = d.dnsServers;
    hostConfig.DnsSearch = d.dnsSearchDomains;
    hostConfig.ExtraHosts = d.extraHosts?.map((h) => `${h.hostname}:${h.ipAddress}`);
  }
  if (mode === "bridge") {
    const ports = bridgePorts(d.portMappings, hostIp);
    config.ExposedPorts = ports.ExposedPorts;
    hostConfig.PortBindings = ports.PortBindings;
    hostConfig.Links = (d.links ?? []).map((link) => {
      const [target, alias] = link.split(":");
      const source = byName.get(target ?? "");
      if (!source) throw new TaskError("CannotCreateContainerError", `link ${link} refers to a container the task definition does not declare`, c.name);
      return `${source.dockerName}:${alias ?? target}`;
    });
  }
  // Defence in depth, on the options exactly as the engine would get them (see host-powers-guard.ts).
  const refused = hostPowersRefusal(config, c.name, plan.fargate, policy);
  if (refused) throw new TaskError("ResourceInitializationError", refused, c.name);
  return config;
}

export interface PauseSpecInput {
  berthId: string;
  plan: TaskPlan;
  image: string;
  taskIp: string;
  cgroupParent?: string;
}

/** The helper container that holds an awsvpc task's network namespace and publishes its ports. */
export function pauseContainerOptions({ berthId, plan, image, taskIp, cgroupParent }: PauseSpecInput): Docker.ContainerCreateOptions {
  const ports = awsvpcPorts(plan.containers.flatMap((c) => c.def.portMappings ?? []), taskIp);
  const dns = plan.containers.flatMap((c) => c.def.dnsServers ?? []);
  const search = plan.containers.flatMap((c) => c.def.dnsSearchDomains ?? []);
  return {
    name: `ecs-${plan.family}-${plan.revision}-internalecspause-${plan.taskId}`.replace(/[^a-zA-Z0-9_.-]/g, "-"),
    Image: image,
    Hostname: `ip-${taskIp.replace(/\./g, "-")}`,
    Labels: { ...taskLabels(berthId, plan), [LABEL_PAUSE]: "true", [LABEL_TASK_IP]: taskIp },
    ExposedPorts: ports.ExposedPorts,
    StopTimeout: 5,
    HostConfig: {
      NetworkMode: "bridge",
      PortBindings: ports.PortBindings,
      CgroupParent: cgroupParent,
      Dns: dns.length ? [...new Set(dns)] : undefined,
      DnsSearch: search.length ? [...new Set(search)] : undefined,
    },
  };
}
