import type { ContainerDefinition, TaskDefinition } from "@aws-sdk/client-ecs";
import type { ServiceError } from "../../core/errors.js";
import { clientException } from "../errors.js";
import { isFargateSize, parseCpuUnits, parseMemoryMiB } from "./fargate-sizes.js";
import { isEcrImage } from "./task-definition-attributes.js";

/** The one capability Fargate lets a container add (ECS accepts it with or without the CAP_ prefix). */
const FARGATE_CAPABILITIES = new Set(["SYS_PTRACE", "CAP_SYS_PTRACE"]);

/** ECS's wording for a parameter Fargate does not take, as RegisterTaskDefinition answers it. */
const unsupported = (parameter: string) => clientException(`Fargate compatible task definitions do not support ${parameter}`);

/**
 * Why a normalized task definition cannot run on Fargate, as the ClientException ECS raises when
 * requiresCompatibilities contains FARGATE; undefined when it can. The same answer decides whether
 * ECS lists FARGATE among the definition's `compatibilities`, and RunTask, StartTask and services
 * ask it again, so a definition stored before a rule existed cannot reach Fargate either.
 * What Fargate refuses is in the Developer Guide ("task definition differences for Fargate"):
 * the host's powers (privileged, host network, host paths, devices, capabilities other than
 * SYS_PTRACE, host PID and IPC namespaces) and the Docker settings Fargate does not expose.
 * A false or empty setting is treated as absent: it asks for nothing.
 */
export function fargateIncompatibility(td: TaskDefinition): ServiceError | undefined {
  if (td.networkMode !== "awsvpc") return clientException("Fargate only supports network mode ‘awsvpc’.");
  if (td.cpu === undefined) return clientException("Fargate requires that 'cpu' be defined at the task level.");
  if (td.memory === undefined) return clientException("Fargate requires that 'memory' be defined at the task level.");
  const cpu = parseCpuUnits(td.cpu)!;
  const memory = parseMemoryMiB(td.memory)!;
  if (!isFargateSize(cpu, memory)) {
    return clientException(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
  }
  for (const v of td.volumes ?? []) {
    if (v.host?.sourcePath !== undefined) return unsupported("sourcePath");
    if (v.dockerVolumeConfiguration) return unsupported("dockerVolumeConfiguration");
  }
  if (td.ipcMode !== undefined) return clientException("Tasks using the Fargate launch type do not support ipcMode.");
  if (td.pidMode !== undefined && td.pidMode !== "task") {
    return clientException(`Tasks using the Fargate launch type do not support pidMode '${td.pidMode}'. The supported value for pidMode is 'task'.`);
  }
  if (td.placementConstraints?.length) return unsupported("constraints");
  for (const c of td.containerDefinitions ?? []) {
    const problem = containerProblem(c, td);
    if (problem) return problem;
  }
  return undefined;
}

function containerProblem(c: ContainerDefinition, td: TaskDefinition): ServiceError | undefined {
  if (c.privileged) return unsupported("privileged");
  if (c.disableNetworking) return unsupported("disableNetworking");
  if (c.dnsServers?.length) return unsupported("dnsServers");
  if (c.dnsSearchDomains?.length) return unsupported("dnsSearchDomains");
  if (c.dockerSecurityOptions?.length) return unsupported("dockerSecurityOptions");
  if (c.extraHosts?.length) return unsupported("extraHosts");
  if (c.links?.length) return unsupported("links");
  if (c.resourceRequirements?.some((r) => r.type === "GPU")) return clientException("Tasks using the Fargate launch type do not support GPU resource requirements.");
  const linux = c.linuxParameters;
  const extra = linux?.capabilities?.add?.find((cap) => !FARGATE_CAPABILITIES.has(cap.toUpperCase()));
  if (extra !== undefined) {
    return clientException(`Fargate compatible task definitions do not support the ${extra} capability. SYS_PTRACE is the only capability that can be added.`);
  }
  if (linux?.devices?.length) return unsupported("devices");
  if (linux?.sharedMemorySize !== undefined) return unsupported("sharedMemorySize");
  if (linux?.tmpfs?.length) return unsupported("tmpfs");
  if (linux?.maxSwap !== undefined) return unsupported("maxSwap");
  if (linux?.swappiness !== undefined) return unsupported("swappiness");
  if (c.logConfiguration?.logDriver === "awslogs" && !td.executionRoleArn) {
    return clientException("Fargate requires task definition to have execution role ARN to support log driver awslogs.");
  }
  // Images ECR serves need the execution role on Fargate, whose agent pulls with it.
  if (isEcrImage(c.image) && !td.executionRoleArn) {
    return clientException("Fargate requires task definition to have execution role ARN to support ECR images.");
  }
  return undefined;
}
