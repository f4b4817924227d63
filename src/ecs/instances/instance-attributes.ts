import type { Attribute } from "@aws-sdk/client-ecs";
import { invalidParameter } from "../errors.js";

/**
 * Capabilities the ECS agent reports that Berth's agent honours (or that cost nothing to claim,
 * such as Docker API versions the engine speaks). Task definitions' requiresAttributes name these,
 * so an instance without them would refuse tasks that Berth can run.
 */
const DOCKER_API_VERSIONS = ["1.17", "1.18", "1.19", "1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37", "1.38", "1.39", "1.40", "1.41", "1.42", "1.43", "1.44"];
const LEGACY = "com.amazonaws.ecs.capability.";
const CURRENT = "ecs.capability.";
export const AGENT_CAPABILITIES: string[] = [
  ...["privileged-container", ...DOCKER_API_VERSIONS.map((v) => `docker-remote-api.${v}`), "logging-driver.json-file", "logging-driver.none", "ecr-auth", "task-iam-role", "task-iam-role-network-host"].map((c) => LEGACY + c),
  ...[
    "secrets.ssm.environment-variables", "secrets.asm.environment-variables", "private-registry-authentication.secretsmanager",
    "container-ordering", "full-sync", "env-files.s3", "execution-role-ecr-pull", "execution-role-awslogs", "container-health-check",
    "task-cpu-mem-limit", "task-eni", "pid-ipc-namespace-sharing", "docker-plugin.local",
  ].map((c) => CURRENT + c),
];

/** What identifies an EC2 instance to ECS, as its instance identity document gives it. */
export interface InstanceIdentity {
  availabilityZone: string;
  instanceType: string;
  amiId: string;
  cpuArchitecture: "x86_64" | "arm64";
  /** The private address of the instance identity document, when it gave one. */
  privateIp?: string;
}

/**
 * ECS has no field for an instance's private address (EC2's DescribeInstances shows it, and Berth
 * has no EC2): Berth shows the one the registrant's identity document gave as this attribute.
 */
export const PRIVATE_IP_ATTRIBUTE = "berth.private-ip";

/** The attributes ECS and its agent set on every Linux instance, in the order Berth lists them. */
export function builtInAttributes(id: InstanceIdentity): Attribute[] {
  return [
    ...AGENT_CAPABILITIES.map((name) => ({ name })),
    { name: "ecs.ami-id", value: id.amiId },
    { name: "ecs.availability-zone", value: id.availabilityZone },
    { name: "ecs.instance-type", value: id.instanceType },
    { name: "ecs.os-type", value: "linux" },
    { name: "ecs.os-family", value: "LINUX" },
    { name: "ecs.cpu-architecture", value: id.cpuArchitecture },
    ...(id.privateIp ? [{ name: PRIVATE_IP_ATTRIBUTE, value: id.privateIp }] : []),
  ];
}

/** Names under ECS's prefixes belong to ECS and its agent (and Berth's own to Berth); only the others count as custom. */
export const isBuiltIn = (name: string) => name.startsWith("ecs.") || name.startsWith(LEGACY) || name === PRIVATE_IP_ATTRIBUTE;

/** ECS allows up to 10 custom attributes on a resource. */
export const MAX_CUSTOM_ATTRIBUTES = 10;

const NAME = /^[a-zA-Z0-9_\-/\\.]{1,128}$/;
const VALUE = /^[a-zA-Z0-9_\-.@/\\: ]{1,128}$/;

/** The Attribute data type's rules (API reference, "Attribute"). */
export function validateAttribute(a: Attribute): void {
  if (!a.name || !NAME.test(a.name)) {
    throw invalidParameter("Attribute names must be 1-128 characters: letters, numbers, hyphens, underscores, forward slashes, back slashes or periods.");
  }
  if (a.value !== undefined && (!VALUE.test(a.value) || a.value.trim() !== a.value)) {
    throw invalidParameter(
      `The value of attribute ${a.name} must be 1-128 characters: letters, numbers, hyphens, underscores, periods, at signs, forward slashes, back slashes, colons or spaces, and cannot start or end with a space.`,
    );
  }
}
