import type { Action, RuleCondition, RuleTransform } from "@aws-sdk/client-elastic-load-balancing-v2";

/**
 * The whole configuration the data plane serves, as one immutable value. The ELBv2 API builds a
 * new snapshot after every change and hands it to `DataPlane.apply`; the data plane never reads
 * the API's store. Field names follow ELBv2's wire shapes (LoadBalancerArn, Port, Protocol, ...)
 * so the API side maps its records with little code. The data plane does not validate ranges:
 * the API does (tests use sub-second health check intervals on purpose).
 */
export interface DataPlaneSnapshot {
  readonly loadBalancers: readonly LoadBalancerConfig[];
  readonly targetGroups: readonly TargetGroupConfig[];
}

export interface LoadBalancerConfig {
  readonly LoadBalancerArn: string;
  readonly Type: "application" | "network";
  /** The loopback address this load balancer owns: its listeners bind here. */
  readonly Address: string;
  /** Its DNSName (`*.elb.localhost`): the localhost front routes requests whose Host is this name here. */
  readonly DNSName: string;
  /** idle_timeout.timeout_seconds: idle client connections close after it, and a target that
   *  sends nothing for this long gets a 504, as on ALB. Default 60. */
  readonly IdleTimeoutSeconds?: number;
  readonly Listeners: readonly ListenerConfig[];
}

export interface ListenerConfig {
  readonly ListenerArn: string;
  readonly Port: number;
  /** HTTPS terminates TLS then serves as HTTP; TLS terminates TLS then forwards bytes as TCP;
   *  UDP forwards datagrams per flow; TCP_UDP is a TCP and a UDP listener on the same port. */
  readonly Protocol: "HTTP" | "HTTPS" | "TCP" | "TLS" | "UDP" | "TCP_UDP";
  /** HTTPS and TLS listeners: how they terminate TLS. */
  readonly Tls?: ListenerTls;
  readonly DefaultActions: readonly Action[];
  /** Non-default rules, any order: the data plane sorts by priority. */
  readonly Rules: readonly RuleConfig[];
  /**
   * HTTP and HTTPS: the routing.http.response.*.header_value listener attributes that are set, as
   * the headers they put on every response (a target's own header of the name is replaced).
   * Absent when none is set: the proxy then does no work for them.
   */
  readonly ResponseHeaders?: readonly ResponseHeader[];
  /** routing.http.response.server.enabled: false leaves `Server: awselb/2.0` off the ALB's own answers. Absent: true. */
  readonly ServerHeader?: boolean;
  /** NLB TCP: tcp.idle_timeout.seconds, after which a flow with no data either way is reset. Absent: AWS's 350. */
  readonly TcpIdleTimeoutSeconds?: number;
}

export interface ResponseHeader {
  /** As AWS writes it: Strict-Transport-Security, Access-Control-Allow-Origin, ... */
  readonly Name: string;
  readonly Value: string;
}

export interface ListenerTls {
  /** The certificates presented, the listener's default first; the others are chosen by SNI. */
  readonly Certificates: readonly ListenerCertificate[];
  /** The TLS versions the listener's SslPolicy accepts from clients. */
  readonly MinVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  readonly MaxVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
}

export interface ListenerCertificate {
  readonly CertificateArn: string;
  /** The certificate chain and its private key, PEM (read by the API from the user's file). */
  readonly Pem: string;
}

export interface RuleConfig {
  readonly RuleArn: string;
  readonly Priority: number;
  readonly Conditions: readonly RuleCondition[];
  readonly Actions: readonly Action[];
  /** host-header-rewrite and url-rewrite, applied to requests the rule forwards. */
  readonly Transforms?: readonly RuleTransform[];
}

export interface HealthCheckConfig {
  readonly HealthCheckEnabled: boolean;
  readonly HealthCheckProtocol: "HTTP" | "TCP";
  /** A port number as a string, or "traffic-port" (the target's own port). */
  readonly HealthCheckPort: string;
  readonly HealthCheckPath: string;
  readonly HealthCheckIntervalSeconds: number;
  readonly HealthCheckTimeoutSeconds: number;
  readonly HealthyThresholdCount: number;
  readonly UnhealthyThresholdCount: number;
  /** Matcher.HttpCode: "200", "200-299", "200,302". */
  readonly Matcher: { readonly HttpCode: string };
}

/** Target group attributes the data plane acts on, already parsed from their string form. */
export interface TargetGroupAttributes {
  readonly "deregistration_delay.timeout_seconds": number;
  /** NLB: open connections and UDP flows of a deregistered target are closed when its drain ends (else they live on until they close or go idle). */
  readonly "deregistration_delay.connection_termination.enabled": boolean;
  readonly "slow_start.duration_seconds": number;
  readonly "stickiness.enabled": boolean;
  readonly "stickiness.type": "lb_cookie" | "app_cookie" | "source_ip";
  readonly "stickiness.lb_cookie.duration_seconds": number;
  /** The application's cookie that app_cookie stickiness follows, and how long AWSALBAPP-* last. */
  readonly "stickiness.app_cookie.cookie_name": string;
  readonly "stickiness.app_cookie.duration_seconds": number;
  readonly "load_balancing.algorithm.type": "round_robin" | "least_outstanding_requests" | "weighted_random";
}

export interface TargetGroupConfig {
  readonly TargetGroupArn: string;
  readonly Protocol: "HTTP" | "HTTPS" | "TCP" | "UDP" | "TCP_UDP";
  readonly Port: number;
  readonly TargetType: "instance" | "ip";
  readonly HealthCheck: HealthCheckConfig;
  readonly Attributes: TargetGroupAttributes;
  readonly Targets: readonly TargetConfig[];
}

export interface TargetConfig {
  /** The registered id: an instance id or an IP address, as DescribeTargetHealth reports it. */
  readonly Id: string;
  /** Where traffic goes: the instance's host address, or the IP itself. */
  readonly Address: string;
  readonly Port: number;
  readonly State: "registered" | "draining";
  /** When DeregisterTargets was called (epoch ms); set when State is "draining". */
  readonly DeregisteredAt?: number;
  /** What the data plane last reported of this target's health (kept by the API): a restarted data plane resumes from it. */
  readonly Health?: TargetHealthMemory;
}

/**
 * A target's health as the data plane reports it for keeping (with each TargetGroupHealth) and
 * gets back in later snapshots: a target that was healthy stays healthy, and one in its slow
 * start goes on ramping from when it began, instead of all of it starting over at `initial`.
 */
export interface TargetHealthMemory {
  readonly State: "healthy" | "unhealthy";
  readonly Reason?: string;
  readonly Description?: string;
  /** When its slow start began (epoch ms): it turned healthy beside another healthy target. */
  readonly SlowStartFrom?: number;
}

export const defaultTargetGroupAttributes: TargetGroupAttributes = {
  "deregistration_delay.timeout_seconds": 300,
  "deregistration_delay.connection_termination.enabled": false,
  "slow_start.duration_seconds": 0,
  "stickiness.enabled": false,
  "stickiness.type": "lb_cookie",
  "stickiness.lb_cookie.duration_seconds": 86400,
  "stickiness.app_cookie.cookie_name": "",
  "stickiness.app_cookie.duration_seconds": 86400,
  "load_balancing.algorithm.type": "round_robin",
};

/** A target's identity inside one target group: the same id may be registered on several ports. */
export function targetKey(targetGroupArn: string, target: Pick<TargetConfig, "Id" | "Port">): string {
  return `${targetGroupArn}|${target.Id}|${target.Port}`;
}

// A snapshot's target objects are immutable and each belongs to one group: its key is made once.
const keys = new WeakMap<TargetConfig, string>();

/** targetKey() of a target of `group`'s snapshot, made once per target rather than per request. */
export function keyOfTarget(group: TargetGroupConfig, target: TargetConfig): string {
  let key = keys.get(target);
  if (key === undefined) keys.set(target, (key = targetKey(group.TargetGroupArn, target)));
  return key;
}

/** An NLB TCP flow's idle timeout in ms: tcp.idle_timeout.seconds, else AWS's 350 s (TLS listeners always have 350). */
export function tcpIdleMs(listener: ListenerConfig): number {
  return (listener.TcpIdleTimeoutSeconds ?? 350) * 1000;
}

/** idle_timeout.timeout_seconds in ms (ALB's default 60 s). */
export function idleMs(lb: LoadBalancerConfig): number {
  return (lb.IdleTimeoutSeconds ?? 60) * 1000;
}
