import { bool, oneOf, range, text, type AttributeSpec } from "../attributes.js";
import { validation } from "../errors.js";

// "off" or an integer from 1 (to the number of targets, or to 100 for a percentage).
const offOr = (d: string, max: number, allowOff = true): AttributeSpec => ({
  default: d,
  check: (v) => ((allowOff && v === "off") || (/^\d{1,9}$/.test(v) && Number(v) >= 1 && Number(v) <= max) ? undefined : `must be ${allowOff ? "off or " : ""}an integer from 1 to ${max}`),
});

/**
 * Target group health (ALB and NLB groups): when a zone counts as unhealthy in DNS, and when
 * traffic goes to every target. Recorded; the data plane's fail-open when no target is healthy is
 * the default (unhealthy_state_routing count 1), and Berth has no DNS to fail over.
 */
const targetGroupHealth: Record<string, AttributeSpec> = {
  "target_group_health.dns_failover.minimum_healthy_targets.count": offOr("1", 999999999),
  "target_group_health.dns_failover.minimum_healthy_targets.percentage": offOr("off", 100),
  "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": offOr("1", 999999999, false),
  "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": offOr("off", 100),
};

/** Target group attributes with AWS's defaults and ranges: HTTP(S) groups (ALB) and TCP/UDP/TLS groups (NLB). */
const http: Record<string, AttributeSpec> = {
  "deregistration_delay.timeout_seconds": range(300, 0, 3600),
  "slow_start.duration_seconds": range(0, 30, 900, [0]),
  "stickiness.enabled": bool(false),
  "stickiness.type": oneOf("lb_cookie", ["lb_cookie", "app_cookie"]),
  "stickiness.lb_cookie.duration_seconds": range(86400, 1, 604800),
  "stickiness.app_cookie.cookie_name": text(),
  "stickiness.app_cookie.duration_seconds": range(86400, 1, 604800),
  "load_balancing.algorithm.type": oneOf("round_robin", ["round_robin", "least_outstanding_requests", "weighted_random"]),
  "load_balancing.algorithm.anomaly_mitigation": oneOf("off", ["on", "off"]),
  "load_balancing.cross_zone.enabled": oneOf("use_load_balancer_configuration", ["true", "false", "use_load_balancer_configuration"]),
  ...targetGroupHealth,
};

const network = (protocol: string | undefined, targetType: string): Record<string, AttributeSpec> => ({
  "deregistration_delay.timeout_seconds": range(300, 0, 3600),
  // "For new UDP/TCP_UDP target groups the default is true. Otherwise, the default is false." (API reference)
  "deregistration_delay.connection_termination.enabled": bool(protocol === "UDP" || protocol === "TCP_UDP"),
  // AWS preserves client addresses for instance targets, and not for IP targets over TCP/TLS.
  "preserve_client_ip.enabled": bool(targetType === "instance"),
  "proxy_protocol_v2.enabled": bool(false),
  "stickiness.enabled": bool(false),
  "stickiness.type": oneOf("source_ip", ["source_ip"]),
  "load_balancing.cross_zone.enabled": oneOf("use_load_balancer_configuration", ["true", "false", "use_load_balancer_configuration"]),
  ...targetGroupHealth,
  // Recorded, not applied: "can't be enabled for UDP and TCP_UDP target groups" (API reference), so false there.
  "target_health_state.unhealthy.connection_termination.enabled": bool(protocol !== "UDP" && protocol !== "TCP_UDP"),
  "target_health_state.unhealthy.draining_interval_seconds": range(0, 0, 360000),
});

export const targetGroupAttributeSpec = (protocol: string | undefined, targetType: string | undefined) =>
  protocol === "HTTP" || protocol === "HTTPS" ? http : network(protocol, targetType ?? "instance");

// An RFC 6265 cookie name (a token); ALB keeps the AWSALB* names for its own cookies.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
const RESERVED_COOKIE_PREFIXES = ["AWSALB", "AWSALBAPP", "AWSALBTG"];

/**
 * Rules between attributes, checked on the whole set after a change (ALB user guide, "Edit target
 * group attributes"): app_cookie stickiness needs the application's cookie name, which must not
 * be one of ALB's own; slow start is not supported with weighted_random, nor anomaly mitigation
 * without it.
 */
export function checkTargetGroupAttributes(a: Record<string, string>, protocol?: string): void {
  const cookie = a["stickiness.app_cookie.cookie_name"] ?? "";
  if (cookie !== "") {
    if (!COOKIE_NAME.test(cookie)) throw validation(`Target group attribute value '${cookie}' for key 'stickiness.app_cookie.cookie_name' is not a valid cookie name`);
    if (RESERVED_COOKIE_PREFIXES.some((p) => cookie.toUpperCase().startsWith(p))) {
      throw validation(`The application cookie name cannot start with '${RESERVED_COOKIE_PREFIXES.join("', '")}': those names are reserved for the load balancer`);
    }
  }
  if (a["stickiness.enabled"] === "true" && a["stickiness.type"] === "app_cookie" && cookie === "") {
    throw validation("The attribute 'stickiness.app_cookie.cookie_name' must be specified when 'stickiness.type' is 'app_cookie'");
  }
  const unhealthyTermination = a["target_health_state.unhealthy.connection_termination.enabled"];
  if (unhealthyTermination === "true" && (protocol === "UDP" || protocol === "TCP_UDP")) {
    throw validation(`The attribute 'target_health_state.unhealthy.connection_termination.enabled' cannot be enabled for ${protocol} target groups`);
  }
  if (unhealthyTermination === "true" && Number(a["target_health_state.unhealthy.draining_interval_seconds"] ?? 0) > 0) {
    throw validation("The attribute 'target_health_state.unhealthy.draining_interval_seconds' can only be configured when 'target_health_state.unhealthy.connection_termination.enabled' is false");
  }
  const algorithm = a["load_balancing.algorithm.type"];
  if (algorithm === "weighted_random" && Number(a["slow_start.duration_seconds"] ?? 0) > 0) {
    throw validation("Slow start mode cannot be enabled with the 'weighted_random' load balancing algorithm");
  }
  if (algorithm !== undefined && algorithm !== "weighted_random" && a["load_balancing.algorithm.anomaly_mitigation"] === "on") {
    throw validation("Anomaly mitigation can be enabled only with the 'weighted_random' load balancing algorithm");
  }
}
