import type { Clock } from "../../core/clock.js";
import type { Db } from "../../store/database.js";
import type { LoadBalancerTargets } from "../../ecs/services/load-balancer-targets.js";
import { findTargetGroup } from "../target-groups/target-group-store.js";
import { findListener, saveListener, targetGroupUsers } from "../listeners/listener-store.js";
import { findRule, saveRule } from "../rules/rule-store.js";
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../core/arn.js";
import { putTarget, releaseTarget, targetsOf } from "./target-store.js";
import { draining, notInUse, notRegistered, type TargetHealthSource } from "./target-health.js";
import { drainDeadline } from "./drain.js";

/**
 * ELBv2's side of ECS's LoadBalancerTargets: the same store writes as RegisterTargets and
 * DeregisterTargets, without their request validation (ECS registers only what it runs).
 * `targetsChanged` is the one hook through which the data plane may learn of these changes,
 * as it learns of the API's (left to the data-plane wiring; called after each write).
 */
/** The rule, when it is this account's and region's (ARNs name both). */
const ruleIn = (db: Db, scope: Scope, arn: string) => (arn.startsWith(`arn:aws:elasticloadbalancing:${scope.region}:${scope.account}:`) ? findRule(db, arn) : undefined);
const forwardOf = (actions: Action[] | undefined) => actions?.find((a) => a.Type === "forward");

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
    listenerRule(scope, arn) {
      const forward = forwardOf(ruleIn(db, scope, arn)?.rule.Actions);
      return forward?.ForwardConfig?.TargetGroups?.map((g) => ({ targetGroupArn: g.TargetGroupArn!, weight: g.Weight ?? 1 }));
    },
    setForwardWeights(scope, arn, weights) {
      const found = ruleIn(db, scope, arn);
      if (!found || !forwardOf(found.rule.Actions)) return; // deleted since the service was created
      // The same document ModifyRule writes: a weighted forward keeps its ForwardConfig, no bare TargetGroupArn.
      const actions = found.rule.Actions!.map((a) => {
        if (a.Type !== "forward") return a;
        const groups = (a.ForwardConfig?.TargetGroups ?? []).map((g) => ({ ...g, Weight: weights.get(g.TargetGroupArn!) ?? g.Weight }));
        const { TargetGroupArn: _single, ...rest } = a;
        return { ...rest, ForwardConfig: { ...a.ForwardConfig, TargetGroups: groups } };
      });
      saveRule(db, found.listenerArn, { ...found.rule, Actions: actions });
      // A listener's default rule is also its DefaultActions, as ModifyRule keeps them.
      if (found.rule.IsDefault) saveListener(db, { ...findListener(db, found.listenerArn)!, DefaultActions: actions });
      targetsChanged();
    },
    health(scope, arn, target) {
      const now = clock.now().getTime();
      const stored = findTargetGroup(db, scope, arn) && targetsOf(db, arn, now).find((t) => t.id === target.id && t.port === target.port);
      const h = !stored ? notRegistered : stored.drainUntil !== undefined ? draining : !targetGroupUsers(db).has(arn) ? notInUse : health.healthOf({ targetGroupArn: arn, ...target });
      return { state: h.State!, ...(h.Reason ? { reason: h.Reason } : {}), ...(h.Description ? { description: h.Description } : {}) };
    },
  };
}
