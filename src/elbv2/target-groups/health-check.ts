import type { CreateTargetGroupInput, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { validation } from "../errors.js";

/** The health check fields of a target group document. */
export type HealthCheck = Pick<TargetGroup,
  "HealthCheckEnabled" | "HealthCheckProtocol" | "HealthCheckPort" | "HealthCheckPath" | "HealthCheckIntervalSeconds" |
  "HealthCheckTimeoutSeconds" | "HealthyThresholdCount" | "UnhealthyThresholdCount" | "Matcher">;

const isHttp = (p: string | undefined) => p === "HTTP" || p === "HTTPS";

/**
 * AWS's defaults (the ELBv2 API reference, CreateTargetGroup): HTTP(S) target groups check
 * HTTP(S) on the traffic port every 30 s with a 5 s timeout, 5 healthy / 2 unhealthy, path "/",
 * matcher 200; TCP, UDP, TCP_UDP and TLS target groups check TCP every 30 s with a 10 s timeout,
 * 5 / 2, and an HTTP(S) check of theirs matches 200-399 with a 6 s timeout.
 */
export function defaultHealthCheck(protocol: string): HealthCheck {
  const http = isHttp(protocol);
  return {
    HealthCheckEnabled: true,
    HealthCheckProtocol: http ? protocol : "TCP",
    HealthCheckPort: "traffic-port",
    HealthCheckIntervalSeconds: 30,
    HealthCheckTimeoutSeconds: http ? 5 : 10,
    HealthyThresholdCount: 5,
    UnhealthyThresholdCount: 2,
    ...(http ? { HealthCheckPath: "/", Matcher: { HttpCode: "200" } } : {}),
  };
}

type Changes = Partial<Pick<CreateTargetGroupInput, keyof HealthCheck>>;

/**
 * "If the target type is instance, ip, or alb, health checks are always enabled and can't be
 * disabled" (CreateTargetGroup, ModifyTargetGroup); Berth's target types are instance and ip.
 */
export function checkHealthCheckEnabled(targetType: string, enabled: boolean | undefined): void {
  if (enabled === false) throw validation(`Health checks cannot be disabled for target groups with target type '${targetType}'`);
}

/**
 * The health check after `changes` (which name only what the caller sent), checked as a whole.
 * Ranges of single fields (interval 5-300, timeout 2-120, thresholds 2-10) are the model's,
 * checked before a handler runs.
 */
export function applyHealthCheck(protocol: string, current: HealthCheck, changes: Changes): HealthCheck {
  const hcProtocol = changes.HealthCheckProtocol ?? current.HealthCheckProtocol!;
  if (isHttp(protocol) && !isHttp(hcProtocol)) {
    throw validation(`Health check protocol '${hcProtocol}' is not supported for target groups with the '${protocol}' protocol`);
  }
  if (!isHttp(protocol) && !["HTTP", "HTTPS", "TCP"].includes(hcProtocol)) {
    throw validation(`Health check protocol '${hcProtocol}' is not supported for target groups with the '${protocol}' protocol`);
  }
  const httpCheck = isHttp(hcProtocol);
  // A TCP target group that switches to an HTTP check gets the HTTP check's defaults.
  const switched = httpCheck && !isHttp(current.HealthCheckProtocol);
  const next: HealthCheck = {
    ...current,
    ...(switched ? { HealthCheckPath: "/", Matcher: { HttpCode: "200-399" }, HealthCheckTimeoutSeconds: changes.HealthCheckTimeoutSeconds ?? 6 } : {}),
    ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
    HealthCheckProtocol: hcProtocol,
  };
  if (!httpCheck) {
    if (changes.HealthCheckPath !== undefined) throw validation(`A health check path cannot be specified for the '${hcProtocol}' health check protocol`);
    if (changes.Matcher !== undefined) throw validation(`A matcher cannot be specified for the '${hcProtocol}' health check protocol`);
    delete next.HealthCheckPath;
    delete next.Matcher;
  }
  if (next.HealthCheckPath !== undefined && !next.HealthCheckPath.startsWith("/")) throw validation("Health check path must begin with a '/' character");
  const port = next.HealthCheckPort!;
  if (port !== "traffic-port" && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw validation(`Health check port '${port}' must be 'traffic-port' or a number from 1 to 65535`);
  }
  const codes = next.Matcher?.HttpCode;
  if (codes !== undefined && !codes.split(",").every((c) => /^\d{3}(-\d{3})?$/.test(c) && c.split("-").every((n) => Number(n) >= 200 && Number(n) <= 599))) {
    throw validation(`Health check matcher HTTP code '${codes}' must be codes from 200 to 599, as '200', '200,202' or '200-299'`);
  }
  if (next.HealthCheckTimeoutSeconds! >= next.HealthCheckIntervalSeconds!) {
    // A timeout the caller did not choose follows a shorter interval down, so that
    // `--health-check-interval-seconds 5` alone works; one they chose is an error.
    if (changes.HealthCheckTimeoutSeconds !== undefined || changes.HealthCheckIntervalSeconds === undefined || next.HealthCheckIntervalSeconds! <= 2) {
      throw validation("Health check interval must be greater than the timeout.");
    }
    next.HealthCheckTimeoutSeconds = next.HealthCheckIntervalSeconds! - 1;
  }
  return next;
}
