import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ListenerConfig, RuleConfig } from "../snapshot.js";
import { conditionMatches } from "./conditions.js";
import type { RequestFacts } from "./request-facts.js";

/** The rule that handles a request: the lowest priority whose conditions all match, else default. */
export function selectRule(listener: ListenerConfig, req: RequestFacts): RuleConfig | undefined {
  const rules = sortedRules(listener);
  // No rules (the default action only): not even the closures below are made.
  if (rules.length === 0) return undefined;
  return rules.find((rule) => rule.Conditions.every((c) => conditionMatches(c, req)));
}

/** The action that answers the request: a rule's last action by Order (authenticate-* run first on
 *  AWS; Berth does not support them, so the terminal forward/redirect/fixed-response is what counts). */
export function terminalAction(actions: readonly Action[]): Action | undefined {
  // Snapshots are immutable: sorting once per action list, not per request.
  if (terminal.has(actions)) return terminal.get(actions);
  const ordered = [...actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
  const action = ordered.find((a) => a.Type === "forward" || a.Type === "redirect" || a.Type === "fixed-response");
  terminal.set(actions, action);
  return action;
}
const terminal = new WeakMap<readonly Action[], Action | undefined>();

export function actionFor(listener: ListenerConfig, req: RequestFacts): Action | undefined {
  return terminalAction(selectRule(listener, req)?.Actions ?? listener.DefaultActions);
}

// Sorting per request would be wasteful; snapshots are immutable, so caching by identity is safe.
const sorted = new WeakMap<ListenerConfig, RuleConfig[]>();
function sortedRules(listener: ListenerConfig): RuleConfig[] {
  let rules = sorted.get(listener);
  if (!rules) sorted.set(listener, (rules = [...listener.Rules].sort((a, b) => a.Priority - b.Priority)));
  return rules;
}
