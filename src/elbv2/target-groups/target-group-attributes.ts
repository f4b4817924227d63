import { bool, oneOf, range, text, type AttributeSpec } from "../attributes.js";
import { validation } from "../errors.js";

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
export function checkTargetGroupAttributes(a: Record<string, string>): void {
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
  const algorithm = a["load_balancing.algorithm.type"];
  if (algorithm === "weighted_random" && Number(a["slow_start.duration_seconds"] ?? 0) > 0) {
    throw validation("Slow start mode cannot be enabled with the 'weighted_random' load balancing algorithm");
  }
  if (algorithm !== undefined && algorithm !== "weighted_random" && a["load_balancing.algorithm.anomaly_mitigation"] === "on") {
    throw validation("Anomaly mitigation can be enabled only with the 'weighted_random' load balancing algorithm");
  }
}
