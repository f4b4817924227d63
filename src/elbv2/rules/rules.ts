import type { CreateRuleInput, DeleteRuleInput, DescribeRulesInput, ModifyRuleInput, Rule, SetRulePrioritiesInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { Elbv2Deps } from "../deps.js";
import { operationNotPermitted, priorityInUse, ruleNotFound, tooManyRules, validation } from "../errors.js";
import { newElbId, ruleArn } from "../ids.js";
import { page } from "../pagination.js";
import { addTags, checkTags, dropTags } from "../tags/tag-store.js";
import { checkActions } from "../listeners/actions.js";
import { findListener, saveListener } from "../listeners/listener-store.js";
import { requireListener } from "../listeners/listeners.js";
import { checkConditions } from "./conditions.js";
import { checkTransforms } from "./transforms.js";
import { findRule, priorityTaken, rulesOf, saveRule } from "./rule-store.js";

const RULES_PER_LOAD_BALANCER = 100;

function requireRule(db: Db, scope: Scope, arn: string | undefined) {
  const found = arn === undefined ? undefined : findRule(db, arn);
  if (!found) throw ruleNotFound();
  // A rule of another account or region is not found either.
  try {
    return { ...found, ...requireListener(db, scope, found.listenerArn) };
  } catch {
    throw ruleNotFound();
  }
}

export function ruleHandlers({ db }: Elbv2Deps): Record<string, Handler> {
  return {
    CreateRule: (input: CreateRuleInput, ctx: RequestContext) =>
      db.transaction(() => {
        const { listener, lb } = requireListener(db, ctx, input.ListenerArn);
        if (lb.doc.Type !== "application") throw validation("Rules can be created only on listeners of application load balancers");
        checkConditions(input.Conditions ?? []);
        const actions = checkActions(db, ctx, lb, listener.Protocol!, input.Actions ?? []);
        const transforms = checkTransforms(input.Transforms);
        checkTags(input.Tags);
        if (priorityTaken(db, listener.ListenerArn!, input.Priority!)) throw priorityInUse(input.Priority!);
        const count = (db.prepare("SELECT count(*) AS n FROM elb_rules r JOIN elb_listeners l ON l.arn = r.listener_arn WHERE l.load_balancer_arn = ? AND r.priority IS NOT NULL").get(lb.doc.LoadBalancerArn) as { n: number }).n;
        if (count >= RULES_PER_LOAD_BALANCER) throw tooManyRules(`A load balancer can have at most ${RULES_PER_LOAD_BALANCER} rules`);
        const rule: Rule = { RuleArn: ruleArn(ctx, listener.ListenerArn!, newElbId()), Priority: String(input.Priority), Conditions: input.Conditions, Actions: actions, IsDefault: false, ...(transforms && { Transforms: transforms }) };
        saveRule(db, listener.ListenerArn!, rule);
        addTags(db, rule.RuleArn!, input.Tags);
        return { Rules: [rule] };
      })(),

    DescribeRules: (input: DescribeRulesInput, ctx: RequestContext) => {
      const arns = input.RuleArns ?? [];
      if (arns.length && input.ListenerArn !== undefined) throw validation("Listener rule ARNs and a listener ARN cannot be specified at the same time");
      if (!arns.length && input.ListenerArn === undefined) throw validation("You must specify either listener rule ARNs or a listener ARN");
      const found = arns.length ? arns.map((arn) => requireRule(db, ctx, arn).rule) : rulesOf(db, requireListener(db, ctx, input.ListenerArn).listener.ListenerArn!);
      const { items, NextMarker } = page(found, input);
      return { Rules: items, NextMarker };
    },

    ModifyRule: (input: ModifyRuleInput, ctx: RequestContext) =>
      db.transaction(() => {
        const { rule, listener, lb, listenerArn } = requireRule(db, ctx, input.RuleArn);
        if (rule.IsDefault && input.Conditions !== undefined) throw operationNotPermitted("The conditions of a default rule cannot be modified");
        if (input.Conditions !== undefined) checkConditions(input.Conditions);
        const actions = input.Actions !== undefined ? checkActions(db, ctx, lb, listener.Protocol!, input.Actions) : rule.Actions;
        if (input.ResetTransforms && input.Transforms?.length) throw validation("Transforms and ResetTransforms cannot be specified at the same time");
        if (rule.IsDefault && input.Transforms?.length) throw validation("Transforms cannot be added to a default rule");
        const transforms = input.ResetTransforms ? undefined : input.Transforms !== undefined ? checkTransforms(input.Transforms) : rule.Transforms;
        const { Transforms: _old, ...rest } = rule;
        const updated: Rule = { ...rest, Conditions: input.Conditions ?? rule.Conditions, Actions: actions, ...(transforms && { Transforms: transforms }) };
        saveRule(db, listenerArn, updated);
        // A default rule's actions are its listener's default actions.
        if (rule.IsDefault) saveListener(db, { ...findListener(db, listenerArn)!, DefaultActions: actions });
        return { Rules: [updated] };
      })(),

    DeleteRule: (input: DeleteRuleInput, ctx: RequestContext) =>
      db.transaction(() => {
        const { rule } = requireRule(db, ctx, input.RuleArn);
        if (rule.IsDefault) throw operationNotPermitted("A default rule cannot be deleted");
        dropTags(db, rule.RuleArn!);
        db.prepare("DELETE FROM elb_rules WHERE arn = ?").run(rule.RuleArn);
        return {};
      })(),

    SetRulePriorities: (input: SetRulePrioritiesInput, ctx: RequestContext) =>
      db.transaction(() => {
        const changes = input.RulePriorities ?? [];
        const seen = new Set<string>();
        const found = changes.map((c) => {
          const r = requireRule(db, ctx, c.RuleArn);
          if (r.rule.IsDefault) throw operationNotPermitted("The priority of a default rule cannot be modified");
          const key = `${r.listenerArn} ${c.Priority}`;
          if (seen.has(key)) throw validation(`Priority '${c.Priority}' was provided multiple times`);
          seen.add(key);
          return { ...r, priority: c.Priority! };
        });
        // Every moved rule leaves its priority first, so rules can swap; a priority another rule
        // keeps is in use, and the transaction undoes everything.
        const park = db.prepare("UPDATE elb_rules SET priority = ? WHERE arn = ?");
        found.forEach((f, i) => park.run(-1 - i, f.rule.RuleArn));
        for (const f of found) {
          if (priorityTaken(db, f.listenerArn, f.priority)) throw priorityInUse(f.priority);
          saveRule(db, f.listenerArn, { ...f.rule, Priority: String(f.priority) });
        }
        return { Rules: found.map((f) => findRule(db, f.rule.RuleArn!)!.rule) };
      })(),
  };
}
