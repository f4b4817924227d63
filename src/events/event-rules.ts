import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { invalidPattern, ruleNotFound, validation } from "./errors.js";
import { DEFAULT_BUS, requireBus } from "./event-buses.js";
import { compileEventPattern } from "./patterns/event-pattern.js";
import { PatternError } from "./patterns/pattern-error.js";
import { nextFire, parseScheduleExpression } from "./schedules/schedule-expression.js";

/** The stored rule: DescribeRule's shape, plus when it was made (rates count from then). */
export interface RuleDoc extends W.DescribeRuleResponse { Name: string; Arn: string; EventBusName: string; State: W.RuleState; CreatedAt: number }

export const ruleArn = (s: Scope, bus: string, name: string) =>
  `arn:aws:events:${s.region}:${s.account}:rule/${bus === DEFAULT_BUS ? "" : `${bus}/`}${name}`;

export function checkPattern(text: string): void {
  try {
    compileEventPattern(text);
  } catch (err) {
    if (err instanceof PatternError) throw invalidPattern(err.message);
    throw err;
  }
}

export function findRule(db: Db, scope: Scope, bus: string, name: string): RuleDoc | undefined {
  const row = db.prepare("SELECT doc FROM event_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?").get(scope.account, scope.region, bus, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as RuleDoc) : undefined;
}

export function requireRule(db: Db, clock: Clock, scope: Scope, busNameOrArn: string | undefined, name: string): RuleDoc {
  const bus = requireBus(db, clock, scope, busNameOrArn).Name;
  const rule = findRule(db, scope, bus, name);
  if (!rule) throw ruleNotFound(name, bus);
  return rule;
}

function saveRule(db: Db, clock: Clock, scope: Scope, rule: RuleDoc) {
  // A schedule rule that is enabled has a next firing time; the schedule timer looks for those.
  let next: number | null = null;
  if (rule.ScheduleExpression && rule.State !== "DISABLED") {
    const expr = parseScheduleExpression(rule.ScheduleExpression)!;
    next = nextFire(expr, clock.now(), new Date(rule.CreatedAt))?.getTime() ?? null;
  }
  db.prepare(
    `INSERT INTO event_rules (account, region, bus, name, arn, state, pattern, schedule, next_fire, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, region, bus, name) DO UPDATE SET state = excluded.state, pattern = excluded.pattern, schedule = excluded.schedule,
       next_fire = excluded.next_fire, doc = excluded.doc`,
  ).run(scope.account, scope.region, rule.EventBusName, rule.Name, rule.Arn, rule.State, rule.EventPattern ?? null, rule.ScheduleExpression ?? null, next, JSON.stringify(rule));
}

export function putRule(db: Db, clock: Clock, scope: Scope, input: W.PutRuleRequest): string {
  if (input.EventPattern === undefined && input.ScheduleExpression === undefined) throw validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
  if (input.EventPattern !== undefined) checkPattern(input.EventPattern);
  if (input.ScheduleExpression !== undefined && !parseScheduleExpression(input.ScheduleExpression)) throw validation("Parameter ScheduleExpression is not valid.");
  return db.transaction(() => {
    const bus = requireBus(db, clock, scope, input.EventBusName).Name;
    if (input.ScheduleExpression !== undefined && bus !== DEFAULT_BUS) throw validation("ScheduleExpression is supported only on the default event bus.");
    const previous = findRule(db, scope, bus, input.Name!);
    const rule: RuleDoc = {
      Name: input.Name!, Arn: ruleArn(scope, bus, input.Name!), EventBusName: bus,
      EventPattern: input.EventPattern, ScheduleExpression: input.ScheduleExpression,
      State: input.State ?? "ENABLED", Description: input.Description, RoleArn: input.RoleArn,
      CreatedBy: scope.account, CreatedAt: previous?.CreatedAt ?? clock.now().getTime(),
    };
    saveRule(db, clock, scope, rule);
    if (!previous && input.Tags?.length) putRuleTags(db, rule.Arn, input.Tags);
    return rule.Arn;
  })();
}

export function putRuleTags(db: Db, arn: string, tags: W.Tag[]) {
  const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const t of tags) stmt.run(arn, t.Key, t.Value);
}

export function setRuleState(db: Db, clock: Clock, scope: Scope, input: { Name?: string; EventBusName?: string }, state: W.RuleState) {
  db.transaction(() => {
    const rule = requireRule(db, clock, scope, input.EventBusName, input.Name!);
    saveRule(db, clock, scope, { ...rule, State: state });
  })();
}

export function deleteRule(db: Db, clock: Clock, scope: Scope, input: W.DeleteRuleRequest) {
  db.transaction(() => {
    const bus = requireBus(db, clock, scope, input.EventBusName).Name;
    const rule = findRule(db, scope, bus, input.Name!);
    // AWS: deleting a rule that does not exist succeeds.
    if (!rule) return;
    const targets = db.prepare("SELECT count(*) AS n FROM event_targets WHERE rule_arn = ?").get(rule.Arn) as { n: number };
    if (targets.n > 0) throw validation("Rule can't be deleted since it has targets.");
    db.prepare("DELETE FROM event_rules WHERE arn = ?").run(rule.Arn);
    db.prepare("DELETE FROM tags WHERE arn = ?").run(rule.Arn);
    db.prepare("DELETE FROM event_rule_activity WHERE rule_arn = ?").run(rule.Arn);
  })();
}

const presentRule = (r: RuleDoc): W.Rule => ({
  Name: r.Name, Arn: r.Arn, EventPattern: r.EventPattern, ScheduleExpression: r.ScheduleExpression, State: r.State,
  Description: r.Description, RoleArn: r.RoleArn, EventBusName: r.EventBusName,
});

export function describeRule(db: Db, clock: Clock, scope: Scope, input: W.DescribeRuleRequest): W.DescribeRuleResponse {
  const r = requireRule(db, clock, scope, input.EventBusName, input.Name!);
  return { ...presentRule(r), CreatedBy: r.CreatedBy };
}

/** Offsets as page tokens: rules sort by name, as AWS lists them. */
export function pageOf<T>(items: T[], nextToken: string | undefined, limit: number | undefined): { page: T[]; next?: string } {
  const offset = nextToken === undefined ? 0 : Number.parseInt(Buffer.from(nextToken, "base64url").toString(), 10);
  if (!Number.isSafeInteger(offset) || offset < 0) throw validation("The NextToken provided is invalid.");
  const size = limit ?? 100;
  const page = items.slice(offset, offset + size);
  return { page, next: offset + size < items.length ? Buffer.from(String(offset + size)).toString("base64url") : undefined };
}

export function listRules(db: Db, clock: Clock, scope: Scope, input: W.ListRulesRequest): W.ListRulesResponse {
  const bus = requireBus(db, clock, scope, input.EventBusName).Name;
  const rows = db.prepare("SELECT doc FROM event_rules WHERE account = ? AND region = ? AND bus = ? ORDER BY name").all(scope.account, scope.region, bus) as Array<{ doc: string }>;
  const rules = rows.map((r) => JSON.parse(r.doc) as RuleDoc).filter((r) => input.NamePrefix === undefined || r.Name.startsWith(input.NamePrefix));
  const { page, next } = pageOf(rules, input.NextToken, input.Limit);
  return { Rules: page.map(presentRule), NextToken: next };
}

export function listRuleNamesByTarget(db: Db, clock: Clock, scope: Scope, input: W.ListRuleNamesByTargetRequest): W.ListRuleNamesByTargetResponse {
  const bus = requireBus(db, clock, scope, input.EventBusName).Name;
  const rows = db.prepare(
    `SELECT DISTINCT r.name FROM event_rules r JOIN event_targets t ON t.rule_arn = r.arn
     WHERE r.account = ? AND r.region = ? AND r.bus = ? AND t.arn = ? ORDER BY r.name`,
  ).all(scope.account, scope.region, bus, input.TargetArn) as Array<{ name: string }>;
  const { page, next } = pageOf(rows.map((r) => r.name), input.NextToken, input.Limit);
  return { RuleNames: page, NextToken: next };
}
