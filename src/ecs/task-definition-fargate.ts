import type { TaskDefinition } from "@aws-sdk/client-ecs";
import type { ServiceError } from "../core/errors.js";
import { clientException } from "./errors.js";
import { isFargateSize, parseCpuUnits, parseMemoryMiB } from "./fargate-sizes.js";
import { isEcrImage } from "./task-definition-attributes.js";


/**
 * Why a normalized task definition cannot run on Fargate, as the ClientException ECS raises when
 * requiresCompatibilities contains FARGATE; undefined when it can. The same answer decides whether
 * ECS lists FARGATE among the definition's `compatibilities`.
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
    if (v.host?.sourcePath !== undefined) return clientException("Fargate compatible task definitions do not support sourcePath");
    if (v.dockerVolumeConfiguration) return clientException("Fargate compatible task definitions do not support dockerVolumeConfiguration");
  }
  if (td.ipcMode !== undefined) return clientException("Fargate compatible task definitions do not support ipcMode");
  if (td.pidMode === "host") return clientException("Fargate compatible task definitions do not support pidMode 'host'");
  for (const c of td.containerDefinitions ?? []) {
    if (c.privileged) return clientException("Fargate compatible task definitions do not support privileged containers");
    if (c.logConfiguration?.logDriver === "awslogs" && !td.executionRoleArn) {
      return clientException("Fargate requires task definition to have execution role ARN to support log driver awslogs.");
    }
    // Images ECR serves need the execution role on Fargate, whose agent pulls with it.
    if (isEcrImage(c.image) && !td.executionRoleArn) {
      return clientException("Fargate requires task definition to have execution role ARN to support ECR images.");
    }
  }
  return undefined;
}
