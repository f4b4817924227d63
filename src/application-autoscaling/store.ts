import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import type { ScalableTarget, ScalingActivity, ScalingPolicy, ScheduledAction, TargetKey } from "./types.js";

/** What the scaling decisions remember of a target between them (cooldowns). */
export interface TargetState {
  /** The last scale-out: when it ended its cooldown (epoch ms) and the capacity before it. */
  scaleOut?: { until: number; from: number };
  /** Scale-in is blocked until then (epoch ms). */
  scaleInUntil?: number;
}

export interface StoredTarget {
  target: ScalableTarget;
  state: TargetState;
}

const DATES = new Set(["CreationTime", "StartTime", "EndTime"]);
const revive = <T>(doc: string): T => JSON.parse(doc, (k, v) => (DATES.has(k) && typeof v === "string" ? new Date(v) : v)) as T;

const keyParams = (scope: Scope, k: TargetKey) => ({
  account: scope.account, region: scope.region, namespace: k.ServiceNamespace, resource: k.ResourceId, dimension: k.ScalableDimension,
});
const KEY = "account = @account AND region = @region AND namespace = @namespace AND resource_id = @resource AND dimension = @dimension";
const nextSeq = (table: string) => `(SELECT coalesce(max(seq), 0) + 1 FROM ${table})`;

// Scalable targets.

export function findTarget(db: Db, scope: Scope, k: TargetKey): StoredTarget | undefined {
  const row = db.prepare(`SELECT doc, state FROM aas_targets WHERE ${KEY}`).get(keyParams(scope, k)) as { doc: string; state: string } | undefined;
  return row && { target: revive<ScalableTarget>(row.doc), state: JSON.parse(row.state) as TargetState };
}

export function findTargetByArn(db: Db, arn: string): StoredTarget | undefined {
  const row = db.prepare("SELECT doc, state FROM aas_targets WHERE arn = ?").get(arn) as { doc: string; state: string } | undefined;
  return row && { target: revive<ScalableTarget>(row.doc), state: JSON.parse(row.state) as TargetState };
}

export function saveTarget(db: Db, scope: Scope, { target, state }: StoredTarget): void {
  db.prepare(
    `INSERT INTO aas_targets (account, region, namespace, resource_id, dimension, arn, seq, doc, state)
     VALUES (@account, @region, @namespace, @resource, @dimension, @arn, ${nextSeq("aas_targets")}, @doc, @state)
     ON CONFLICT (account, region, namespace, resource_id, dimension) DO UPDATE SET doc = excluded.doc, state = excluded.state`,
  ).run({ ...keyParams(scope, target), arn: target.ScalableTargetARN, doc: JSON.stringify(target), state: JSON.stringify(state) });
}

/** Removes the target with its policies and scheduled actions (cascade) and its tags. */
export function deleteTarget(db: Db, scope: Scope, target: ScalableTarget): void {
  db.prepare(`DELETE FROM aas_targets WHERE ${KEY}`).run(keyParams(scope, target));
  db.prepare("DELETE FROM tags WHERE arn = ?").run(target.ScalableTargetARN);
}

export function listTargets(db: Db, scope: Scope, namespace: string): ScalableTarget[] {
  const rows = db.prepare("SELECT doc FROM aas_targets WHERE account = ? AND region = ? AND namespace = ? ORDER BY seq").all(scope.account, scope.region, namespace) as { doc: string }[];
  return rows.map((r) => revive<ScalableTarget>(r.doc));
}

// Scaling policies.

export function findPolicy(db: Db, scope: Scope, k: TargetKey, name: string): ScalingPolicy | undefined {
  const row = db.prepare(`SELECT doc FROM aas_policies WHERE ${KEY} AND name = @name`).get({ ...keyParams(scope, k), name }) as { doc: string } | undefined;
  return row && revive<ScalingPolicy>(row.doc);
}

export function findPolicyByArn(db: Db, arn: string): { scope: Scope; policy: ScalingPolicy } | undefined {
  const row = db.prepare("SELECT account, region, doc FROM aas_policies WHERE arn = ?").get(arn) as { account: string; region: string; doc: string } | undefined;
  return row && { scope: { account: row.account, region: row.region }, policy: revive<ScalingPolicy>(row.doc) };
}

export function savePolicy(db: Db, scope: Scope, p: ScalingPolicy): void {
  db.prepare(
    `INSERT INTO aas_policies (account, region, namespace, resource_id, dimension, name, arn, seq, doc)
     VALUES (@account, @region, @namespace, @resource, @dimension, @name, @arn, ${nextSeq("aas_policies")}, @doc)
     ON CONFLICT (account, region, namespace, resource_id, dimension, name) DO UPDATE SET doc = excluded.doc`,
  ).run({ ...keyParams(scope, p), name: p.PolicyName, arn: p.PolicyARN, doc: JSON.stringify(p) });
}

export function deletePolicy(db: Db, scope: Scope, p: ScalingPolicy): void {
  db.prepare(`DELETE FROM aas_policies WHERE ${KEY} AND name = @name`).run({ ...keyParams(scope, p), name: p.PolicyName });
}

export function listPolicies(db: Db, scope: Scope, namespace: string, k?: Partial<TargetKey>): ScalingPolicy[] {
  const rows = db.prepare("SELECT resource_id, dimension, doc FROM aas_policies WHERE account = ? AND region = ? AND namespace = ? ORDER BY seq")
    .all(scope.account, scope.region, namespace) as { resource_id: string; dimension: string; doc: string }[];
  return rows
    .filter((r) => (k?.ResourceId === undefined || r.resource_id === k.ResourceId) && (k?.ScalableDimension === undefined || r.dimension === k.ScalableDimension))
    .map((r) => revive<ScalingPolicy>(r.doc));
}

// Scheduled actions.

export function findScheduledAction(db: Db, scope: Scope, k: TargetKey, name: string): ScheduledAction | undefined {
  const row = db.prepare(`SELECT doc FROM aas_scheduled_actions WHERE ${KEY} AND name = @name`).get({ ...keyParams(scope, k), name }) as { doc: string } | undefined;
  return row && revive<ScheduledAction>(row.doc);
}

export function saveScheduledAction(db: Db, scope: Scope, a: ScheduledAction, nextRun: Date | undefined): void {
  db.prepare(
    `INSERT INTO aas_scheduled_actions (account, region, namespace, resource_id, dimension, name, arn, seq, doc, next_run)
     VALUES (@account, @region, @namespace, @resource, @dimension, @name, @arn, ${nextSeq("aas_scheduled_actions")}, @doc, @next)
     ON CONFLICT (account, region, namespace, resource_id, dimension, name) DO UPDATE SET doc = excluded.doc, next_run = excluded.next_run`,
  ).run({ ...keyParams(scope, a), name: a.ScheduledActionName, arn: a.ScheduledActionARN, doc: JSON.stringify(a), next: nextRun?.getTime() ?? null });
}

export function deleteScheduledAction(db: Db, scope: Scope, a: ScheduledAction): void {
  db.prepare(`DELETE FROM aas_scheduled_actions WHERE ${KEY} AND name = @name`).run({ ...keyParams(scope, a), name: a.ScheduledActionName });
}

export function listScheduledActions(db: Db, scope: Scope, namespace: string, k?: Partial<TargetKey>): ScheduledAction[] {
  const rows = db.prepare("SELECT resource_id, dimension, doc FROM aas_scheduled_actions WHERE account = ? AND region = ? AND namespace = ? ORDER BY seq")
    .all(scope.account, scope.region, namespace) as { resource_id: string; dimension: string; doc: string }[];
  return rows
    .filter((r) => (k?.ResourceId === undefined || r.resource_id === k.ResourceId) && (k?.ScalableDimension === undefined || r.dimension === k.ScalableDimension))
    .map((r) => revive<ScheduledAction>(r.doc));
}

/** Scheduled actions whose time has come, oldest first. */
export function dueScheduledActions(db: Db, now: Date): { scope: Scope; action: ScheduledAction; nextRun: number }[] {
  const rows = db.prepare("SELECT account, region, doc, next_run FROM aas_scheduled_actions WHERE next_run IS NOT NULL AND next_run <= ? ORDER BY next_run")
    .all(now.getTime()) as { account: string; region: string; doc: string; next_run: number }[];
  return rows.map((r) => ({ scope: { account: r.account, region: r.region }, action: revive<ScheduledAction>(r.doc), nextRun: r.next_run }));
}

/** The soonest run of any scheduled action (epoch ms), for the timer. */
export function nextScheduledRun(db: Db): number | undefined {
  const row = db.prepare("SELECT min(next_run) AS next FROM aas_scheduled_actions WHERE next_run IS NOT NULL").get() as { next: number | null };
  return row.next ?? undefined;
}

// Scaling activities.

export function addActivity(db: Db, scope: Scope, a: ScalingActivity): void {
  db.prepare(
    `INSERT INTO aas_activities (id, account, region, namespace, resource_id, dimension, seq, doc)
     VALUES (@id, @account, @region, @namespace, @resource, @dimension, ${nextSeq("aas_activities")}, @doc)`,
  ).run({ ...keyParams(scope, a), id: a.ActivityId, doc: JSON.stringify(a) });
}

/** A target's newest activity, if it has any. */
export function latestActivity(db: Db, scope: Scope, k: TargetKey): ScalingActivity | undefined {
  const row = db.prepare(`SELECT doc FROM aas_activities WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?
    ORDER BY seq DESC LIMIT 1`).get(scope.account, scope.region, k.ServiceNamespace, k.ResourceId, k.ScalableDimension) as { doc: string } | undefined;
  return row && revive<ScalingActivity>(row.doc);
}

/** Newest first, as AWS lists them. */
export function listActivities(db: Db, scope: Scope, namespace: string, k?: Partial<TargetKey>): ScalingActivity[] {
  const rows = db.prepare("SELECT resource_id, dimension, doc FROM aas_activities WHERE account = ? AND region = ? AND namespace = ? ORDER BY seq DESC")
    .all(scope.account, scope.region, namespace) as { resource_id: string; dimension: string; doc: string }[];
  return rows
    .filter((r) => (k?.ResourceId === undefined || r.resource_id === k.ResourceId) && (k?.ScalableDimension === undefined || r.dimension === k.ScalableDimension))
    .map((r) => revive<ScalingActivity>(r.doc));
}
