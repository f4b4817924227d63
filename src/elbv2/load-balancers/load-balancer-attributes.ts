import { bool, oneOf, range, text, type AttributeSpec } from "../attributes.js";

/** The attributes an application load balancer has, with AWS's defaults and ranges. */
const common: Record<string, AttributeSpec> = {
  "access_logs.s3.enabled": bool(false),
  "access_logs.s3.bucket": text(),
  "access_logs.s3.prefix": text(),
  "deletion_protection.enabled": bool(false),
  "zonal_shift.config.enabled": bool(false),
};

export const applicationAttributes: Record<string, AttributeSpec> = {
  ...common,
  "idle_timeout.timeout_seconds": range(60, 1, 4000),
  // Always on for ALBs: AWS shows it true, and Terraform reads it as enable_cross_zone_load_balancing.
  "load_balancing.cross_zone.enabled": oneOf("true", ["true"]),
  "client_keep_alive.seconds": range(3600, 60, 604800),
  "connection_logs.s3.enabled": bool(false),
  "connection_logs.s3.bucket": text(),
  "connection_logs.s3.prefix": text(),
  "routing.http.desync_mitigation_mode": oneOf("defensive", ["monitor", "defensive", "strictest"]),
  "routing.http.drop_invalid_header_fields.enabled": bool(false),
  "routing.http.preserve_host_header.enabled": bool(false),
  "routing.http.x_amz_tls_version_and_cipher_suite.enabled": bool(false),
  "routing.http.xff_client_port.enabled": bool(false),
  "routing.http.xff_header_processing.mode": oneOf("append", ["append", "preserve", "remove"]),
  "routing.http2.enabled": bool(true),
  "waf.fail_open.enabled": bool(false),
};

export const networkAttributes: Record<string, AttributeSpec> = {
  ...common,
  "load_balancing.cross_zone.enabled": bool(false),
  "dns_record.client_routing_policy": oneOf("any_availability_zone", ["any_availability_zone", "availability_zone_affinity", "partial_availability_zone_affinity"]),
};

export const loadBalancerAttributeSpec = (type: string | undefined) => (type === "network" ? networkAttributes : applicationAttributes);
