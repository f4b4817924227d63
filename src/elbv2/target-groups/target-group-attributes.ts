import { bool, oneOf, range, text, type AttributeSpec } from "../attributes.js";

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

const network = (targetType: string): Record<string, AttributeSpec> => ({
  "deregistration_delay.timeout_seconds": range(300, 0, 3600),
  "deregistration_delay.connection_termination.enabled": bool(false),
  // AWS preserves client addresses for instance targets, and not for IP targets over TCP/TLS.
  "preserve_client_ip.enabled": bool(targetType === "instance"),
  "proxy_protocol_v2.enabled": bool(false),
  "stickiness.enabled": bool(false),
  "stickiness.type": oneOf("source_ip", ["source_ip"]),
  "load_balancing.cross_zone.enabled": oneOf("use_load_balancer_configuration", ["true", "false", "use_load_balancer_configuration"]),
});

export const targetGroupAttributeSpec = (protocol: string | undefined, targetType: string | undefined) =>
  protocol === "HTTP" || protocol === "HTTPS" ? http : network(targetType ?? "instance");
