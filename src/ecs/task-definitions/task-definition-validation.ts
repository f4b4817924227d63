import type { Compatibility, NetworkMode, RegisterTaskDefinitionRequest, TaskDefinition } from "@aws-sdk/client-ecs";
import { clientException, invalidParameter } from "../errors.js";
import { parseCpuUnits, parseMemoryMiB, TASK_CPU_RANGE } from "./fargate-sizes.js";
import { requiredAttributes } from "./task-definition-attributes.js";
import { checkContainerSet, checkVolumes, normalizeContainer } from "./task-definition-containers.js";
import { fargateIncompatibility } from "./task-definition-fargate.js";

/** A task definition holds at most this many containers (ECS service quota, not adjustable). */
export const MAX_CONTAINERS = 10;

const FAMILY = /^[A-Za-z0-9_-]+$/;

/** What RegisterTaskDefinition's input determines; the store adds ARN, revision, status and registration. */
export type RegisteredTaskDefinition = Omit<
  TaskDefinition,
  "taskDefinitionArn" | "revision" | "status" | "registeredAt" | "registeredBy" | "deregisteredAt" | "deleteRequestedAt"
>;

/** networkMode as it behaves: absent means bridge (Linux), though ECS leaves it absent in the stored definition. */
export const effectiveNetworkMode = (td: { networkMode?: NetworkMode }): NetworkMode => td.networkMode ?? "bridge";

/**
 * Validates a RegisterTaskDefinition request the way ECS does and returns the definition as ECS
 * stores it: defaults filled in, task sizes in units and MiB, compatibilities and
 * requiresAttributes computed. Throws ECS's ClientException (or InvalidParameterException for
 * malformed task sizes) and has no side effects, so bad input changes nothing.
 */
export function normalizeRegistration(input: RegisterTaskDefinitionRequest): RegisteredTaskDefinition {
  checkFamily(input.family);
  const containers = input.containerDefinitions ?? [];
  if (containers.length === 0) throw clientException("Container list cannot be empty.");
  if (containers.length > MAX_CONTAINERS) throw clientException("Too many containers.");
  const cpu = taskSize(input.cpu, "cpu");
  const memory = taskSize(input.memory, "memory");
  const mode = effectiveNetworkMode(input);
  const volumes = input.volumes ?? [];
  checkVolumes(volumes);
  const normalized = containers.map((c) => normalizeContainer(c, mode, memory));
  checkContainerSet(normalized, volumes, cpu);
  // The execution role is what fetches secrets: ECS refuses a definition that has secrets without one.
  if (!input.executionRoleArn && containers.some((c) => (c.secrets?.length ?? 0) > 0)) {
    throw clientException("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.");
  }
  if (input.ephemeralStorage && (input.ephemeralStorage.sizeInGiB! < 21 || input.ephemeralStorage.sizeInGiB! > 200)) {
    throw clientException("The ephemeral storage size must be between 21 GiB and 200 GiB.");
  }

  const td: RegisteredTaskDefinition = {
    family: input.family,
    taskRoleArn: input.taskRoleArn,
    executionRoleArn: input.executionRoleArn,
    networkMode: input.networkMode,
    containerDefinitions: normalized,
    volumes,
    placementConstraints: input.placementConstraints ?? [],
    requiresCompatibilities: input.requiresCompatibilities,
    cpu: cpu === undefined ? undefined : String(cpu),
    memory: memory === undefined ? undefined : String(memory),
    pidMode: input.pidMode,
    ipcMode: input.ipcMode,
    proxyConfiguration: input.proxyConfiguration,
    inferenceAccelerators: input.inferenceAccelerators,
    ephemeralStorage: input.ephemeralStorage,
    runtimePlatform: input.runtimePlatform,
    enableFaultInjection: input.enableFaultInjection,
  };
  const fargateProblem = fargateIncompatibility(td);
  if (fargateProblem && input.requiresCompatibilities?.includes("FARGATE")) throw fargateProblem;
  td.compatibilities = compatibilities(mode, fargateProblem === undefined);
  td.requiresAttributes = requiredAttributes(td);
  return dropUndefined(td);
}

function checkFamily(family: string | undefined) {
  if (!family) throw clientException("Family can not be blank.");
  if (family.length > 255) throw clientException("Family name can have up to 255 characters.");
  if (!FAMILY.test(family)) throw clientException("Family contains invalid characters.");
}

/**
 * Task-level cpu ("1024", "1 vCPU") and memory ("2048", "2 GB"), as numbers of units and MiB.
 * An empty string is rejected by ECS's front end as InvalidParameterException; any other value
 * it cannot read, or CPU outside 128..196608 units, is a ClientException with the same text.
 */
function taskSize(value: string | undefined, kind: "cpu" | "memory"): number | undefined {
  if (value === undefined) return undefined;
  const message = `Invalid '${kind}' setting for task.`;
  if (value.trim() === "") throw invalidParameter(message);
  const n = kind === "cpu" ? parseCpuUnits(value) : parseMemoryMiB(value);
  if (n === undefined || n <= 0) throw clientException(message);
  if (kind === "cpu" && (n < TASK_CPU_RANGE.min || n > TASK_CPU_RANGE.max)) throw clientException(message);
  return n;
}

/**
 * ECS lists EC2 always; EXTERNAL (ECS Anywhere) for the network modes it supports (all but awsvpc);
 * FARGATE when the definition would pass Fargate's checks, whether or not it asked for Fargate.
 */
function compatibilities(mode: NetworkMode, fargateOk: boolean): Compatibility[] {
  if (mode !== "awsvpc") return ["EXTERNAL", "EC2"];
  return fargateOk ? ["EC2", "FARGATE"] : ["EC2"];
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
