import type { ContainerDefinition, HealthCheck, KeyValuePair, NetworkMode, PortMapping, Volume } from "@aws-sdk/client-ecs";
import { clientException } from "../errors.js";

/** Container and volume names: letters, numbers, hyphens and underscores, up to 255. */
export const RESOURCE_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Docker's documented health check bounds, which ECS enforces (seconds, except retries). */
const HEALTH_LIMITS = {
  interval: [5, 300],
  timeout: [2, 60],
  retries: [1, 10],
  startPeriod: [0, 300],
} as const;

/**
 * One container as ECS stores it: validated on its own (cross-container rules are in
 * checkContainerSet) and with ECS's defaults filled in, so that DescribeTaskDefinition shows
 * what RunTask will do: cpu 0, essential true, empty lists, tcp and the effective host port on
 * port mappings, and the health check's interval, timeout and retries.
 */
export function normalizeContainer(c: ContainerDefinition, mode: NetworkMode, taskMemory: number | undefined): ContainerDefinition {
  if (!c.name) throw clientException("Container.name should not be null or empty.");
  if (!RESOURCE_NAME.test(c.name)) throw clientException("Container.name contains invalid characters.");
  const name = c.name;
  if (!c.image?.trim()) throw clientException("Container.image should not be null or empty.");
  checkMemory(name, c, taskMemory);
  if (c.cpu !== undefined && c.cpu < 0) throw clientException(`Invalid setting for container '${name}'. 'cpu' must not be negative.`);
  if (c.links?.length && mode !== "bridge") throw clientException(`Links are not supported when networkMode=${mode}.`);
  if (c.hostname !== undefined && mode === "awsvpc") throw clientException("hostname is not supported on container when networkMode=awsvpc.");
  checkLogConfiguration(c);
  if (blankEnvironmentName(c.environment)) throw clientException(BLANK_ENVIRONMENT_NAME);
  const out: ContainerDefinition = {
    ...c,
    cpu: c.cpu ?? 0,
    portMappings: normalizePortMappings(name, c.portMappings ?? [], mode),
    essential: c.essential ?? true,
    environment: c.environment ?? [],
    mountPoints: c.mountPoints ?? [],
    volumesFrom: c.volumesFrom ?? [],
    systemControls: c.systemControls ?? [],
  };
  if (c.healthCheck) out.healthCheck = normalizeHealthCheck(name, c.healthCheck);
  return out;
}

/** ECS's words for an environment entry without a name (the engine would refuse it, quoting its value). */
export const BLANK_ENVIRONMENT_NAME = "Environment variable name cannot be null or blank.";

export const blankEnvironmentName = (environment: KeyValuePair[] | undefined) => (environment ?? []).some((kv) => !kv.name?.trim());

function checkMemory(name: string, c: ContainerDefinition, taskMemory: number | undefined) {
  const { memory, memoryReservation } = c;
  if (memory === undefined && memoryReservation === undefined && taskMemory === undefined) {
    throw clientException(`Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
  }
  if ((memory !== undefined && memory <= 0) || (memoryReservation !== undefined && memoryReservation <= 0)) {
    throw clientException(`Invalid setting for container '${name}'. 'memory' and 'memoryReservation' must be greater than 0.`);
  }
  if (memory !== undefined && memoryReservation !== undefined && memoryReservation > memory) {
    throw clientException(`Invalid setting for container '${name}'. 'memory' must be greater than or equal to 'memoryReservation'.`);
  }
  if (taskMemory !== undefined && memory !== undefined && memory > taskMemory) {
    throw clientException(`The 'memory' setting for container '${name}' is greater than for the task.`);
  }
  if (taskMemory !== undefined && memoryReservation !== undefined && memoryReservation > taskMemory) {
    throw clientException(`The 'memoryReservation' setting for container '${name}' is greater than for the task.`);
  }
}

/**
 * awsvpc and host: the host port is the container port (absent means equal). bridge: absent means
 * a dynamic host port, which ECS records as 0. none: no ports at all.
 */
function normalizePortMappings(name: string, mappings: PortMapping[], mode: NetworkMode): PortMapping[] {
  if (mode === "none" && mappings.length) throw clientException("Port mappings are not supported when networkMode=none.");
  return mappings.map((p) => {
    const out: PortMapping = { ...p, protocol: p.protocol ?? "tcp" };
    if (p.containerPort === undefined) {
      if (p.containerPortRange === undefined) throw clientException(`Invalid 'portMappings' setting for container '${name}'. 'containerPort' must be specified.`);
      return out;
    }
    if (p.containerPort < 1 || p.containerPort > 65535) {
      throw clientException(`Invalid 'portMappings' setting for container '${name}'. 'containerPort' must be between 1 and 65535.`);
    }
    if (p.hostPort !== undefined && (p.hostPort < 0 || p.hostPort > 65535)) {
      throw clientException(`Invalid 'portMappings' setting for container '${name}'. 'hostPort' must be between 0 and 65535.`);
    }
    if (mode === "awsvpc" || mode === "host") {
      if (p.hostPort !== undefined && p.hostPort !== p.containerPort) {
        throw clientException(`When networkMode=${mode}, the host ports and container ports in port mappings must match.`);
      }
      out.hostPort = p.containerPort;
    } else {
      out.hostPort = p.hostPort ?? 0;
    }
    return out;
  });
}

/** ECS fills interval 30, timeout 5 and retries 3; startPeriod stays absent unless given. */
function normalizeHealthCheck(name: string, h: HealthCheck): HealthCheck {
  if (!h.command?.length) throw clientException(`Invalid 'healthCheck' setting for container '${name}'. 'command' must not be empty.`);
  const out: HealthCheck = { ...h, interval: h.interval ?? 30, timeout: h.timeout ?? 5, retries: h.retries ?? 3 };
  for (const [field, [lo, hi]] of Object.entries(HEALTH_LIMITS)) {
    const v = out[field as keyof typeof HEALTH_LIMITS];
    if (v !== undefined && (v < lo || v > hi)) {
      throw clientException(`Invalid 'healthCheck' setting for container '${name}'. '${field}' must be between ${lo} and ${hi}.`);
    }
  }
  return out;
}

function checkLogConfiguration(c: ContainerDefinition) {
  const log = c.logConfiguration;
  if (log?.logDriver === "awslogs" && (!log.options?.["awslogs-group"] || !log.options?.["awslogs-region"])) {
    throw clientException("Log driver awslogs requires options: awslogs-region, awslogs-group");
  }
}

/** Task volumes: named, uniquely. A volume with neither host nor dockerVolumeConfiguration is a task-scoped volume. */
export function checkVolumes(volumes: Volume[]): void {
  const seen = new Set<string>();
  for (const v of volumes) {
    if (!v.name) throw clientException("Volume.name should not be null or empty.");
    if (!RESOURCE_NAME.test(v.name)) throw clientException("Volume.name contains invalid characters.");
    if (seen.has(v.name)) throw clientException("Volume names must be unique within a Task Definition.");
    seen.add(v.name);
    if (v.host?.sourcePath !== undefined && !v.host.sourcePath.trim()) throw clientException("host.sourcePath should not be blank.");
  }
}

/** Rules that span the containers of one task definition, checked after each container on its own. */
export function checkContainerSet(containers: ContainerDefinition[], volumes: Volume[], taskCpu: number | undefined): void {
  const byName = new Map<string, ContainerDefinition>();
  for (const c of containers) {
    if (byName.has(c.name!)) throw clientException("Container names must be unique within a Task Definition.");
    byName.set(c.name!, c);
  }
  if (!containers.some((c) => c.essential)) throw clientException("Task definition doesn't have any essential container.");
  const volumeNames = new Set(volumes.map((v) => v.name));
  for (const c of containers) {
    for (const d of c.dependsOn ?? []) {
      const target = byName.get(d.containerName ?? "");
      if (!target) throw clientException(`Cannot depend on container + '${d.containerName}' because it does not exist`);
      if ((d.condition === "SUCCESS" || d.condition === "COMPLETE") && target.essential) {
        throw clientException("A dependency container with SUCCESS or COMPLETE condition cannot be an essential container");
      }
      if (d.condition === "HEALTHY" && !target.healthCheck) {
        throw clientException("A dependency container with HEALTHY condition must have health check configured");
      }
    }
    for (const m of c.mountPoints ?? []) {
      if (!volumeNames.has(m.sourceVolume)) throw clientException(`Unknown volume '${m.sourceVolume ?? "null"}'.`);
    }
    for (const v of c.volumesFrom ?? []) {
      if (!byName.has(v.sourceContainer ?? "")) throw clientException(`Invalid 'volumesFrom' setting. Unknown container: '${v.sourceContainer ?? "null"}'.`);
    }
  }
  if (dependencyCycle(containers)) throw clientException("Container dependsOn contains a cycle.");
  const cpuSum = containers.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
  if (taskCpu !== undefined && cpuSum > taskCpu) {
    throw clientException("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.");
  }
}

/** A container that (transitively) waits for itself could never start. */
function dependencyCycle(containers: ContainerDefinition[]): boolean {
  const deps = new Map(containers.map((c) => [c.name!, (c.dependsOn ?? []).map((d) => d.containerName!)]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string): boolean => {
    if (state.get(name) === "done") return false;
    if (state.get(name) === "visiting") return true;
    state.set(name, "visiting");
    const cyclic = (deps.get(name) ?? []).some(visit);
    state.set(name, "done");
    return cyclic;
  };
  return [...deps.keys()].some(visit);
}
