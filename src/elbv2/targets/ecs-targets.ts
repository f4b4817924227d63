import type { Clock } from "../../core/clock.js";
import type { Db } from "../../store/database.js";
import type { LoadBalancerTargets } from "../../ecs/services/load-balancer-targets.js";
import { findTargetGroup } from "../target-groups/target-group-store.js";
import { targetGroupUsers } from "../listeners/listener-store.js";
import { putTarget, releaseTarget, targetsOf } from "./target-store.js";
import { draining, notInUse, notRegistered, type TargetHealthSource } from "./target-health.js";
import { drainDeadline } from "./drain.js";

/**
 * ELBv2's side of ECS's LoadBalancerTargets: the same store writes as RegisterTargets and
 * DeregisterTargets, without their request validation (ECS registers only what it runs).
 * `targetsChanged` is the one hook through which the data plane may learn of these changes,
 * as it learns of the API's (left to the data-plane wiring; called after each write).
 */
export function createEcsTargets({ db, clock, health, targetsChanged = () => {} }: { db: Db; clock: Clock; health: TargetHealthSource; targetsChanged?: () => void }): LoadBalancerTargets {
  return {
    targetGroup(scope, arn) {
      const tg = findTargetGroup(db, scope, arn);
      return tg && { targetType: tg.doc.TargetType ?? "instance", hasLoadBalancer: targetGroupUsers(db).has(arn) };
    },
    register(scope, arn, target) {
      if (!findTargetGroup(db, scope, arn)) return; // deleted since the service was created: nothing to register in
      putTarget(db, arn, target, clock.now().getTime());
      targetsChanged();
    },
    deregister(scope, arn, target) {
      const now = clock.now().getTime();
      const tg = findTargetGroup(db, scope, arn);
      if (!tg || !targetsOf(db, arn, now).some((t) => t.id === target.id && t.port === target.port && t.drainUntil === undefined)) return now;
      const until = drainDeadline(db, tg, now);
      releaseTarget(db, arn, target, until);
      targetsChanged();
      return until ?? now;
    },
    health(scope, arn, target) {
      const now = clock.now().getTime();
      const stored = findTargetGroup(db, scope, arn) && targetsOf(db, arn, now).find((t) => t.id === target.id && t.port === target.port);
      const h = !stored ? notRegistered : stored.drainUntil !== undefined ? draining : !targetGroupUsers(db).has(arn) ? notInUse : health.healthOf({ targetGroupArn: arn, ...target });
      return { state: h.State!, ...(h.Reason ? { reason: h.Reason } : {}), ...(h.Description ? { description: h.Description } : {}) };
    },
  };
}
