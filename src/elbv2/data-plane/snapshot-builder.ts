import type { Listener, LoadBalancer, Rule, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Db } from "../../store/database.js";
import {
  defaultTargetGroupAttributes, type DataPlaneSnapshot, type HealthCheckConfig, type ListenerCertificate, type ListenerConfig, type ListenerTls, type LoadBalancerConfig, type ResponseHeader,
  type TargetConfig, type TargetGroupAttributes, type TargetGroupConfig,
} from "../../dataplane/snapshot.js";
import { listenersOf, sniCertificatesOf } from "../listeners/listener-store.js";
import { listenerAttributes } from "../listeners/listener-attributes.js";
import { readCertificate } from "../certificates/certificate-files.js";
import { defaultSslPolicy, sslPolicyVersions } from "../certificates/ssl-policies.js";
import { rulesOf } from "../rules/rule-store.js";
import { instanceHostIp, targetsOf } from "../targets/target-store.js";

export interface SnapshotOptions {
  /**
   * Health check intervals and timeouts are divided by this (a documented local-use setting,
   * loadBalancerHealthCheckSpeedup): the API keeps AWS's ranges, the checks run faster.
   */
  healthCheckSpeedup?: number;
  /** Where HTTPS and TLS listeners' certificates are (loadBalancerCertificatesDir). */
  certificatesDir?: string;
  /** Told about a listener left out because its certificate can no longer be read. */
  onUnservable?: (listenerArn: string, why: string) => void;
}

/**
 * The data plane's whole configuration, read from the ELBv2 store across every account and
 * region. Read in one transaction so the snapshot is consistent; it is a write transaction only
 * because targetsOf removes targets whose drain has ended.
 */
export function buildSnapshot(db: Db, now: number, options: SnapshotOptions = {}): DataPlaneSnapshot {
  const { healthCheckSpeedup = 1 } = options;
  return db.transaction(() => {
    const lbRows = db.prepare("SELECT doc, address, attributes FROM elb_load_balancers ORDER BY seq").all() as Array<{ doc: string; address: string; attributes: string }>;
    const loadBalancers = lbRows.flatMap((row) => loadBalancerConfig(db, JSON.parse(row.doc) as LoadBalancer, row.address, JSON.parse(row.attributes) as Record<string, string>, options));
    const tgRows = db.prepare("SELECT account, region, doc, attributes FROM elb_target_groups ORDER BY seq").all() as Array<{ account: string; region: string; doc: string; attributes: string }>;
    const targetGroups = tgRows.flatMap((row) =>
      targetGroupConfig(db, { account: row.account, region: row.region }, JSON.parse(row.doc) as TargetGroup, JSON.parse(row.attributes) as Record<string, string>, now, healthCheckSpeedup));
    return { loadBalancers, targetGroups };
  })();
}

function loadBalancerConfig(db: Db, doc: LoadBalancer, address: string, attributes: Record<string, string>, options: SnapshotOptions): LoadBalancerConfig[] {
  if (doc.Type !== "application" && doc.Type !== "network") return [];
  const idle = Number(attributes["idle_timeout.timeout_seconds"]);
  return [{
    LoadBalancerArn: doc.LoadBalancerArn!,
    Type: doc.Type,
    Address: address,
    DNSName: doc.DNSName!,
    ...(Number.isFinite(idle) && idle > 0 ? { IdleTimeoutSeconds: idle } : {}),
    Listeners: listenersOf(db, doc.LoadBalancerArn!).flatMap((l) => listenerConfig(db, l, options)),
  }];
}

function listenerConfig(db: Db, l: Listener, options: SnapshotOptions): ListenerConfig[] {
  if (!["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"].includes(l.Protocol ?? "")) return [];
  let tls: ListenerTls | undefined;
  if (l.Protocol === "HTTPS" || l.Protocol === "TLS") {
    const versions = sslPolicyVersions(l.SslPolicy ?? defaultSslPolicy) ?? sslPolicyVersions(defaultSslPolicy)!;
    const certificates: ListenerCertificate[] = [];
    // The default certificate first, then the certificate list (chosen by SNI).
    for (const arn of [...(l.Certificates ?? []).map((c) => c.CertificateArn), ...sniCertificatesOf(l)]) {
      if (arn === undefined) continue;
      const found = readCertificate(options.certificatesDir, arn);
      if (!found.ok) {
        options.onUnservable?.(l.ListenerArn!, `certificate ${arn}: ${found.why}`);
        return [];
      }
      certificates.push({ CertificateArn: arn, Pem: found.pem });
    }
    tls = { Certificates: certificates, MinVersion: versions.min, MaxVersion: versions.max };
  }
  return [{
    ListenerArn: l.ListenerArn!, Port: l.Port!, Protocol: l.Protocol as ListenerConfig["Protocol"], DefaultActions: l.DefaultActions ?? [],
    Rules: rulesOf(db, l.ListenerArn!).filter((r) => !r.IsDefault).map(ruleConfig),
    ...(tls && { Tls: tls }),
    ...attributeSettings(listenerAttributes(db, l)),
  }];
}

const HEADER_VALUE = /^routing\.http\.response\.([a-z_]+)\.header_value$/;

/**
 * The listener attributes the data plane acts on (listener-attribute-spec.ts checked them), left
 * out where they are the default so an untouched listener's snapshot carries nothing extra.
 * routing.http.response.x_frame_options.header_value is the X-Frame-Options header, and so on.
 */
function attributeSettings(attributes: Record<string, string>): Pick<ListenerConfig, "ResponseHeaders" | "ServerHeader" | "TcpIdleTimeoutSeconds"> {
  const headers: ResponseHeader[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    const name = HEADER_VALUE.exec(key)?.[1];
    if (name !== undefined && value !== "") headers.push({ Name: name.split("_").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("-"), Value: value });
  }
  const idle = Number(attributes["tcp.idle_timeout.seconds"]);
  return {
    ...(headers.length > 0 && { ResponseHeaders: headers }),
    ...(attributes["routing.http.response.server.enabled"] === "false" && { ServerHeader: false }),
    ...(Number.isFinite(idle) && idle > 0 && idle !== 350 && { TcpIdleTimeoutSeconds: idle }),
  };
}

const ruleConfig = (r: Rule) => ({
  RuleArn: r.RuleArn!, Priority: Number(r.Priority), Conditions: r.Conditions ?? [], Actions: r.Actions ?? [], ...(r.Transforms?.length ? { Transforms: r.Transforms } : {}),
});

function targetGroupConfig(
  db: Db, scope: { account: string; region: string }, doc: TargetGroup, attributes: Record<string, string>, now: number, speedup: number,
): TargetGroupConfig[] {
  // Lambda and ALB-type target groups have no address to send traffic to.
  if (doc.TargetType !== "instance" && doc.TargetType !== "ip") return [];
  const parsed = parseAttributes(attributes);
  const delayMs = parsed["deregistration_delay.timeout_seconds"] * 1000;
  const targets = targetsOf(db, doc.TargetGroupArn!, now).flatMap((t): TargetConfig[] => {
    // An instance target goes to its instance's host address (where bridge ports are published);
    // one whose instance is gone has nowhere to go.
    const address = doc.TargetType === "ip" ? t.id : instanceHostIp(db, scope, t.id);
    if (address === undefined) return [];
    return t.drainUntil === undefined
      ? [{ Id: t.id, Address: address, Port: t.port, State: "registered", ...(t.health && { Health: t.health }) }]
      // The data plane ends the drain at DeregisteredAt + the group's delay, which is drainUntil.
      : [{ Id: t.id, Address: address, Port: t.port, State: "draining", DeregisteredAt: t.drainUntil - delayMs }];
  });
  return [{
    TargetGroupArn: doc.TargetGroupArn!,
    Protocol: doc.Protocol as TargetGroupConfig["Protocol"],
    Port: doc.Port!,
    TargetType: doc.TargetType,
    HealthCheck: healthCheck(doc, speedup),
    Attributes: parsed,
    Targets: targets,
  }];
}

function healthCheck(doc: TargetGroup, speedup: number): HealthCheckConfig {
  return {
    HealthCheckEnabled: doc.HealthCheckEnabled ?? true,
    // HTTPS checks are made as HTTP: Berth's targets are plain HTTP (docs/compatibility.md).
    HealthCheckProtocol: doc.HealthCheckProtocol === "TCP" ? "TCP" : "HTTP",
    HealthCheckPort: doc.HealthCheckPort ?? "traffic-port",
    HealthCheckPath: doc.HealthCheckPath ?? "/",
    HealthCheckIntervalSeconds: (doc.HealthCheckIntervalSeconds ?? 30) / speedup,
    HealthCheckTimeoutSeconds: (doc.HealthCheckTimeoutSeconds ?? 5) / speedup,
    HealthyThresholdCount: doc.HealthyThresholdCount ?? 5,
    UnhealthyThresholdCount: doc.UnhealthyThresholdCount ?? 2,
    Matcher: { HttpCode: doc.Matcher?.HttpCode ?? "200" },
  };
}

/** The stored attribute strings (validated by the API) as the data plane's typed values. */
function parseAttributes(a: Record<string, string>): TargetGroupAttributes {
  const d = defaultTargetGroupAttributes;
  const num = (key: keyof TargetGroupAttributes, fallback: number) => (a[key] !== undefined && Number.isFinite(Number(a[key])) ? Number(a[key]) : fallback);
  const algorithm = a["load_balancing.algorithm.type"];
  const stickiness = a["stickiness.type"];
  return {
    "deregistration_delay.timeout_seconds": num("deregistration_delay.timeout_seconds", d["deregistration_delay.timeout_seconds"]),
    "deregistration_delay.connection_termination.enabled": a["deregistration_delay.connection_termination.enabled"] === "true",
    "slow_start.duration_seconds": num("slow_start.duration_seconds", d["slow_start.duration_seconds"]),
    "stickiness.enabled": a["stickiness.enabled"] === "true",
    "stickiness.type": stickiness === "app_cookie" || stickiness === "source_ip" ? stickiness : "lb_cookie",
    "stickiness.lb_cookie.duration_seconds": num("stickiness.lb_cookie.duration_seconds", d["stickiness.lb_cookie.duration_seconds"]),
    "stickiness.app_cookie.cookie_name": a["stickiness.app_cookie.cookie_name"] ?? "",
    "stickiness.app_cookie.duration_seconds": num("stickiness.app_cookie.duration_seconds", d["stickiness.app_cookie.duration_seconds"]),
    "load_balancing.algorithm.type": algorithm === "least_outstanding_requests" || algorithm === "weighted_random" ? algorithm : "round_robin",
  };
}
