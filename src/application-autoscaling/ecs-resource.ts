import { validation } from "./errors.js";
import type { TargetKey } from "./types.js";

export const ECS_DIMENSION = "ecs:service:DesiredCount";

/** The ECS service a resource ID names: service/<cluster>/<service>. */
export interface EcsServiceRef {
  cluster: string;
  service: string;
}

/**
 * Checks that namespace, resource ID and dimension belong together, as AWS checks them before
 * anything else. Berth scales ECS services only: every other namespace is refused with the same
 * message AWS gives a namespace and dimension that do not match (docs/compatibility.md).
 */
export function ecsServiceOf(key: TargetKey): EcsServiceRef {
  const parts = key.ResourceId.split("/");
  if (key.ServiceNamespace !== "ecs" || key.ScalableDimension !== ECS_DIMENSION || parts[0] !== "service") {
    throw validation("Unsupported service namespace, resource type or scalable dimension");
  }
  if (parts.length !== 3 || !parts[1] || !parts[2]) throw validation(`Unsupported resource ID: ${key.ResourceId}`);
  return { cluster: parts[1], service: parts[2] };
}

/** Filters of the Describe calls: a dimension given must go with the namespace. */
export function checkDimensionFilter(namespace: string, dimension: string | undefined, resourceId?: string): void {
  if (dimension !== undefined && !dimension.startsWith(`${namespace}:`)) {
    throw validation("Unsupported service namespace, resource type or scalable dimension");
  }
  if (dimension !== undefined && resourceId === undefined) {
    throw validation("If ScalableDimension is specified, ResourceId must also be specified");
  }
}
