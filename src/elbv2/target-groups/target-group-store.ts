import type { TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import { defaultsOf } from "../attributes.js";
import { targetGroupAttributeSpec } from "./target-group-attributes.js";

/** A target group as stored: the wire document without LoadBalancerArns (computed from listeners and rules), and its attributes. */
export interface StoredTargetGroup {
  doc: TargetGroup;
  attributes: Record<string, string>;
}

type Row = { doc: string; attributes: string };
/** Attributes Berth learned after a group was stored (target_group_health.*, ...) read as their defaults. */
const parse = (r: Row): StoredTargetGroup => {
  const doc = JSON.parse(r.doc) as TargetGroup;
  return { doc, attributes: { ...defaultsOf(targetGroupAttributeSpec(doc.Protocol, doc.TargetType)), ...(JSON.parse(r.attributes) as Record<string, string>) } };
};

export function findTargetGroup(db: Db, scope: Scope, arn: string): StoredTargetGroup | undefined {
  const row = db.prepare("SELECT doc, attributes FROM elb_target_groups WHERE arn = ? AND account = ? AND region = ?").get(arn, scope.account, scope.region) as Row | undefined;
  return row && parse(row);
}

export function findTargetGroupByName(db: Db, scope: Scope, name: string): StoredTargetGroup | undefined {
  const row = db.prepare("SELECT doc, attributes FROM elb_target_groups WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as Row | undefined;
  return row && parse(row);
}

export function listTargetGroups(db: Db, scope: Scope): StoredTargetGroup[] {
  return (db.prepare("SELECT doc, attributes FROM elb_target_groups WHERE account = ? AND region = ? ORDER BY seq").all(scope.account, scope.region) as Row[]).map(parse);
}

export function saveTargetGroup(db: Db, scope: Scope, tg: StoredTargetGroup): void {
  const { LoadBalancerArns: _computed, ...doc } = tg.doc;
  db.prepare(
    `INSERT INTO elb_target_groups (arn, account, region, name, seq, doc, attributes)
     VALUES (?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM elb_target_groups), ?, ?)
     ON CONFLICT (arn) DO UPDATE SET doc = excluded.doc, attributes = excluded.attributes`,
  ).run(doc.TargetGroupArn, scope.account, scope.region, doc.TargetGroupName, JSON.stringify(doc), JSON.stringify(tg.attributes));
}

/** Removes the target group and its targets (ON DELETE CASCADE). */
export function deleteTargetGroupRow(db: Db, arn: string): void {
  db.prepare("DELETE FROM elb_target_groups WHERE arn = ?").run(arn);
}
