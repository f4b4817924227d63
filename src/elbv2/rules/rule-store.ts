import type { Rule } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Db } from "../../store/database.js";

/** Rules as stored: the wire document, the priority pulled out (NULL for a listener's default rule). */
export function findRule(db: Db, arn: string): { rule: Rule; listenerArn: string } | undefined {
  const row = db.prepare("SELECT doc, listener_arn AS listenerArn FROM elb_rules WHERE arn = ?").get(arn) as { doc: string; listenerArn: string } | undefined;
  return row && { rule: JSON.parse(row.doc) as Rule, listenerArn: row.listenerArn };
}

/** A listener's rules in evaluation order: by priority, the default rule last. */
export function rulesOf(db: Db, listenerArn: string): Rule[] {
  return (db.prepare("SELECT doc FROM elb_rules WHERE listener_arn = ? ORDER BY priority IS NULL, priority").all(listenerArn) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as Rule);
}

export function saveRule(db: Db, listenerArn: string, rule: Rule): void {
  const priority = rule.IsDefault ? null : Number(rule.Priority);
  db.prepare(
    `INSERT INTO elb_rules (arn, listener_arn, priority, seq, doc)
     VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM elb_rules), ?)
     ON CONFLICT (arn) DO UPDATE SET priority = excluded.priority, doc = excluded.doc`,
  ).run(rule.RuleArn, listenerArn, priority, JSON.stringify(rule));
}

export function priorityTaken(db: Db, listenerArn: string, priority: number): string | undefined {
  return (db.prepare("SELECT arn FROM elb_rules WHERE listener_arn = ? AND priority = ?").get(listenerArn, priority) as { arn: string } | undefined)?.arn;
}
