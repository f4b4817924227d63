import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { limitExceeded, validation } from "./errors.js";
import { pageOf, requireRule } from "./event-rules.js";
import { validateTargetInput } from "./target-input.js";
import type { TargetDispatcher } from "./target-dispatch.js";

/** AWS: at most five targets per rule. */
const MAX_TARGETS = 5;

export function targetsOf(db: Db, ruleArn: string): W.Target[] {
  return (db.prepare("SELECT doc FROM event_targets WHERE rule_arn = ? ORDER BY rowid").all(ruleArn) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as W.Target);
}

/** Why a target is refused (FailedEntries), or undefined. */
function targetProblem(t: W.Target, dispatchers: TargetDispatcher[]): { code: string; message: string } | undefined {
  if (!dispatchers.some((d) => d.handles(t.Arn!))) return { code: "ValidationException", message: `Parameter ${t.Arn} is not valid. Reason: Provided Arn is not in correct format or is not a supported target.` };
  if (t.EcsParameters && t.EcsParameters.TaskCount !== undefined && (t.EcsParameters.TaskCount < 1 || t.EcsParameters.TaskCount > 10)) {
    return { code: "ValidationException", message: "TaskCount must be between 1 and 10." };
  }
  return undefined;
}

export function putTargets(db: Db, clock: Clock, scope: Scope, input: W.PutTargetsRequest, dispatchers: TargetDispatcher[]): W.PutTargetsResponse {
  // Whole-request errors first: they change nothing.
  const ids = new Set<string>();
  for (const t of input.Targets!) {
    if (ids.has(t.Id!)) throw validation(`The same target ID '${t.Id}' is used more than once.`);
    ids.add(t.Id!);
    validateTargetInput(t);
  }
  return db.transaction(() => {
    const rule = requireRule(db, clock, scope, input.EventBusName, input.Rule!);
    const failed: W.PutTargetsResultEntry[] = [];
    const accepted = input.Targets!.filter((t) => {
      const problem = targetProblem(t, dispatchers);
      if (problem) failed.push({ TargetId: t.Id, ErrorCode: problem.code, ErrorMessage: problem.message });
      return !problem;
    });
    const existing = new Set(targetsOf(db, rule.Arn).map((t) => t.Id));
    const added = accepted.filter((t) => !existing.has(t.Id)).length;
    if (existing.size + added > MAX_TARGETS) throw limitExceeded(`The requested resource exceeds the maximum number allowed.`);
    const stmt = db.prepare("INSERT INTO event_targets (rule_arn, id, arn, doc) VALUES (?, ?, ?, ?) ON CONFLICT (rule_arn, id) DO UPDATE SET arn = excluded.arn, doc = excluded.doc");
    for (const t of accepted) stmt.run(rule.Arn, t.Id, t.Arn, JSON.stringify(t));
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  })();
}

export function removeTargets(db: Db, clock: Clock, scope: Scope, input: W.RemoveTargetsRequest): W.RemoveTargetsResponse {
  return db.transaction(() => {
    const rule = requireRule(db, clock, scope, input.EventBusName, input.Rule!);
    const stmt = db.prepare("DELETE FROM event_targets WHERE rule_arn = ? AND id = ?");
    // Ids that name no target are not failures: AWS reports none.
    for (const id of input.Ids!) stmt.run(rule.Arn, id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  })();
}

export function listTargets(db: Db, clock: Clock, scope: Scope, input: W.ListTargetsByRuleRequest): W.ListTargetsByRuleResponse {
  const rule = requireRule(db, clock, scope, input.EventBusName, input.Rule!);
  const { page, next } = pageOf(targetsOf(db, rule.Arn), input.NextToken, input.Limit);
  return { Targets: page, NextToken: next };
}
