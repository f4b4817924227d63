import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";

/**
 * The Application Load Balancers express services share. AWS's Express Mode puts the services of
 * one network configuration behind one ALB, each with its own host-header listener rule, and
 * shares an ALB between at most 25 services (AWS blog "Build production-ready applications ...
 * using Amazon ECS Express Mode"); it makes another when all are full and deletes one when its
 * last service goes. Each row is written before its ALB is created (state CREATING, with the name
 * it will have), so that a kill -9 between the two leaves a row that recovery can finish or undo.
 */
export interface SharedLoadBalancer {
  /** The ALB's name (ecs-express-gateway-alb-XXXXXXXX): chosen before it exists. */
  name: string;
  scope: Scope;
  /** The network configuration the services behind it have in common (networkKey). */
  networkKey: string;
  subnets: string[];
  securityGroups: string[];
  state: "CREATING" | "ACTIVE";
  /**
   * HTTPS (443, with the express certificate; HTTP:80 redirects to it) when the operator provided
   * the certificate as the ALB was made, else HTTP (80). Absent: HTTP.
   */
  protocol?: "HTTP" | "HTTPS";
  loadBalancerArn?: string;
  /** The listener the services' host rules are on (its default action answers 404). */
  listenerArn?: string;
}

/**
 * AWS gives express services an ACM certificate for their *.ecs.REGION.on.aws names; Berth has no
 * ACM, so the certificate is the operator's, as for any HTTPS listener: the file
 * `ecs-express-gateway.pem` in loadBalancerCertificatesDir (this is its ARN's last part).
 */
export const EXPRESS_CERTIFICATE = "ecs-express-gateway";

/** At most this many express services share one ALB, as on AWS. */
export const SERVICES_PER_LOAD_BALANCER = 25;

/** Services in the same subnets with the same security groups share load balancers (order does not matter). */
export function networkKey(subnets: readonly string[], securityGroups: readonly string[]): string {
  return JSON.stringify([[...subnets].sort(), [...securityGroups].sort()]);
}

/** The shared load balancers of one network configuration in the account and region, oldest first. */
export function sharedLoadBalancers(db: Db, scope: Scope, key: string): SharedLoadBalancer[] {
  const rows = db.prepare("SELECT doc FROM express_gateway_load_balancers WHERE account = ? AND region = ? AND network_key = ? ORDER BY rowid").all(scope.account, scope.region, key) as { doc: string }[];
  return rows.map((r) => JSON.parse(r.doc) as SharedLoadBalancer);
}

/** The shared load balancer of this name in the account and region (its row, by primary key), if any. */
export function findSharedLoadBalancer(db: Db, scope: Scope, name: string | undefined): SharedLoadBalancer | undefined {
  if (name === undefined) return undefined;
  const row = db.prepare("SELECT doc FROM express_gateway_load_balancers WHERE name = ? AND account = ? AND region = ?").get(name, scope.account, scope.region) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as SharedLoadBalancer) : undefined;
}

/** Every shared load balancer of every account and region (for recovery at start). */
export function allSharedLoadBalancers(db: Db): SharedLoadBalancer[] {
  return (db.prepare("SELECT doc FROM express_gateway_load_balancers ORDER BY rowid").all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as SharedLoadBalancer);
}

export function saveSharedLoadBalancer(db: Db, lb: SharedLoadBalancer): void {
  db.prepare("INSERT INTO express_gateway_load_balancers (name, account, region, network_key, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc")
    .run(lb.name, lb.scope.account, lb.scope.region, lb.networkKey, JSON.stringify(lb));
}

export function forgetSharedLoadBalancer(db: Db, name: string): void {
  db.prepare("DELETE FROM express_gateway_load_balancers WHERE name = ?").run(name);
}
