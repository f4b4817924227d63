import type { ExpressGatewayServiceConfiguration } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";

/**
 * An express gateway service as Berth keeps it: the ECS service it is (serviceArn), the roles it
 * was given, every configuration it ran (newest last, each with the service revision it became)
 * and the resources made for it in the other APIs, which Update changes and Delete removes.
 */
export interface StoredExpressService {
  scope: Scope;
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  infrastructureRoleArn: string;
  createdAt: Date;
  updatedAt: Date;
  /**
   * When its ECS service was created: a service of the same name created later with CreateService
   * (once this one is INACTIVE) is not this express service.
   */
  serviceCreatedAt: string;
  configurations: ExpressGatewayServiceConfiguration[];
  /**
   * CREATING from before anything is made until the response; DELETING from the start of a delete
   * until everything is gone (then DELETED). A kill -9 leaves CREATING or DELETING, and recovery at
   * start undoes the create or finishes the delete. Absent: a service made before load balancers
   * were shared (its own ALB in resources.loadBalancerArn).
   */
  state?: "CREATING" | "ACTIVE" | "DELETING" | "DELETED";
  resources: ExpressResources;
}

/**
 * What was made for an express service in the other APIs. The names are chosen (and stored) before
 * anything is made; each ARN is stored as soon as its resource exists.
 */
export interface ExpressResources {
  taskDefinitionFamily: string;
  /** The shared ALB the service's rule is on (express-load-balancers.ts). */
  loadBalancerName?: string;
  loadBalancerArn?: string;
  listenerArn?: string;
  /** The host-header rule whose forward action the canary deployments reweight. */
  ruleArn?: string;
  /** The hostname the rule matches (SERVICE-XXXX.ecs.REGION.on.aws). */
  hostname?: string;
  /** The production target group and the alternate one new revisions start in (blue and green). */
  targetGroupNames?: [string, string];
  targetGroupArn?: string;
  alternateTargetGroupArn?: string;
  /** Set when the create made the cluster (the default cluster, when missing). */
  createdCluster?: boolean;
  /** Application Auto Scaling's ResourceId (service/CLUSTER/NAME) and the target tracking policy's name. */
  scalableResourceId: string;
  scalingPolicyName: string;
  /** Their ARNs, as Application Auto Scaling answered them. */
  scalableTargetArn?: string;
  scalingPolicyArn?: string;
  /**
   * The container's log group. `logGroupMade`: the create found it missing and makes it (set
   * before CreateLogGroup, so that an undone create deletes it; a group the user had stays).
   */
  logGroupName?: string;
  logGroupMade?: boolean;
  /** The CloudWatch alarm deployments roll back on (its name chosen before it exists). */
  alarmName?: string;
  alarmArn?: string;
  /** Where the service answers (http://HOSTNAME/). */
  endpoint: string;
}

interface Row { doc: string }

function revive(doc: StoredExpressService): StoredExpressService {
  doc.createdAt = new Date(doc.createdAt);
  doc.updatedAt = new Date(doc.updatedAt);
  for (const c of doc.configurations) if (c.createdAt) c.createdAt = new Date(c.createdAt);
  return doc;
}

export function findExpressService(db: Db, serviceArn: string): StoredExpressService | undefined {
  const row = db.prepare("SELECT doc FROM express_gateway_services WHERE service_arn = ?").get(serviceArn) as Row | undefined;
  return row && revive(JSON.parse(row.doc) as StoredExpressService);
}

export function saveExpressService(db: Db, e: StoredExpressService): void {
  db.prepare("INSERT INTO express_gateway_services (service_arn, account, region, doc) VALUES (?, ?, ?, ?) ON CONFLICT (service_arn) DO UPDATE SET doc = excluded.doc")
    .run(e.serviceArn, e.scope.account, e.scope.region, JSON.stringify(e));
}

/** Every express service of every account and region (for recovery at start), or of one scope. */
export function expressServices(db: Db, scope?: Scope): StoredExpressService[] {
  const rows = (scope
    ? db.prepare("SELECT doc FROM express_gateway_services WHERE account = ? AND region = ?").all(scope.account, scope.region)
    : db.prepare("SELECT doc FROM express_gateway_services").all()) as Row[];
  return rows.map((r) => revive(JSON.parse(r.doc) as StoredExpressService));
}

export function forgetExpressService(db: Db, serviceArn: string): void {
  db.prepare("DELETE FROM express_gateway_services WHERE service_arn = ?").run(serviceArn);
}
