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
  resources: {
    taskDefinitionFamily: string;
    loadBalancerArn: string;
    listenerArn: string;
    targetGroupArn: string;
    /** Application Auto Scaling's ResourceId (service/CLUSTER/NAME) and the target tracking policy's name. */
    scalableResourceId: string;
    scalingPolicyName: string;
    /** Where the load balancer answers (http://ADDRESS:PORT). */
    endpoint: string;
  };
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

export function forgetExpressService(db: Db, serviceArn: string): void {
  db.prepare("DELETE FROM express_gateway_services WHERE service_arn = ?").run(serviceArn);
}
