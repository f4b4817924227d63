import type { HealthCheck } from "@aws-sdk/client-ecs";
import type Docker from "dockerode";

export type Health = "HEALTHY" | "UNHEALTHY" | "UNKNOWN";

const NS_PER_SECOND = 1_000_000_000;

/**
 * The container definition's healthCheck as the engine's Healthcheck, with ECS's defaults
 * (interval 30 s, timeout 5 s, retries 3, no start period). `command` is passed as-is: it
 * starts with CMD or CMD-SHELL, exactly as Docker's HEALTHCHECK test does.
 */
export function healthConfig(hc: HealthCheck | undefined): Docker.HealthConfig | undefined {
  if (!hc?.command?.length) return undefined;
  return {
    Test: hc.command,
    Interval: (hc.interval ?? 30) * NS_PER_SECOND,
    Timeout: (hc.timeout ?? 5) * NS_PER_SECOND,
    Retries: hc.retries ?? 3,
    StartPeriod: (hc.startPeriod ?? 0) * NS_PER_SECOND,
  };
}

/** Docker's State.Health.Status (starting, healthy, unhealthy, none) as ECS's healthStatus. */
export function containerHealth(dockerStatus: string | undefined): Health {
  if (dockerStatus === "healthy") return "HEALTHY";
  if (dockerStatus === "unhealthy") return "UNHEALTHY";
  return "UNKNOWN";
}

/**
 * The task's health from its essential containers that have a health check: UNHEALTHY if any
 * is unhealthy, HEALTHY if all are healthy, UNKNOWN otherwise (still being evaluated, or none
 * has a health check). Non-essential containers do not count.
 */
export function taskHealth(containers: Array<{ essential: boolean; hasHealthCheck: boolean; health: Health }>): Health {
  const checked = containers.filter((c) => c.essential && c.hasHealthCheck);
  if (checked.some((c) => c.health === "UNHEALTHY")) return "UNHEALTHY";
  if (checked.length > 0 && checked.every((c) => c.health === "HEALTHY")) return "HEALTHY";
  return "UNKNOWN";
}
