import type { Scope } from "../../core/arn.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Logger } from "../../core/logger.js";
import { newRequestId } from "../../core/ids.js";
import type { EcsDeps } from "../deps.js";
import { findService, serviceArn, type StoredService } from "./service-store.js";
import { serviceNotFound } from "./service-config.js";
import { requireActiveCluster } from "../clusters/cluster-store.js";
import { updateServiceHandler } from "./update-service.js";
import type { ServiceScheduler } from "./services.js";
import { emitServiceAction } from "./service-action-events.js";

/**
 * What Application Auto Scaling may see and change of an ECS service: its desired count. The
 * change goes through UpdateService itself, so deployments, placement and load balancers follow
 * exactly as they follow a user's UpdateService.
 */
export interface ScalableServices {
  /** The desired count of the ACTIVE service, or undefined when there is no such service. */
  desiredCount(scope: Scope, cluster: string, service: string): number | undefined;
  setDesiredCount(scope: Scope, cluster: string, service: string, count: number): void;
}

export function scalableServices(deps: EcsDeps, scheduler: ServiceScheduler): ScalableServices {
  const { db } = deps;
  const find = (scope: Scope, cluster: string, name: string): StoredService | undefined => {
    const stored = findService(db, serviceArn(scope, cluster, name));
    return stored?.service.status === "ACTIVE" ? stored : undefined;
  };
  const requireService = (ctx: RequestContext, cluster: string | undefined, name: string) => {
    requireActiveCluster(db, ctx, cluster);
    const stored = find(ctx, cluster!, name);
    if (!stored) throw serviceNotFound();
    return stored;
  };
  const update = updateServiceHandler(deps, scheduler, requireService);
  const log: Logger = deps.log.child({ component: "application-autoscaling" });
  return {
    desiredCount: (scope, cluster, name) => find(scope, cluster, name)?.service.desiredCount,
    setDesiredCount(scope, cluster, name, count) {
      const ctx: RequestContext = { ...scope, requestId: newRequestId(), log };
      const before = find(scope, cluster, name)?.service.desiredCount;
      update({ cluster, service: name, desiredCount: count }, ctx);
      // Not a user's change: ECS tells EventBridge of it (SERVICE_DESIRED_COUNT_UPDATED).
      const after = find(scope, cluster, name);
      if (after && before !== count) emitServiceAction(db, scope, after.service, "INFO", "SERVICE_DESIRED_COUNT_UPDATED", deps.clock.now(), { desiredCount: count });
    },
  };
}
