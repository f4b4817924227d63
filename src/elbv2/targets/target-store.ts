import type { Db } from "../../store/database.js";
import type { TargetHealthMemory } from "../../dataplane/snapshot.js";

/** A registered target; `drainUntil` (epoch ms) is set once it is deregistered and draining. */
export interface StoredTarget {
  id: string;
  port: number;
  availabilityZone?: string;
  registeredAt: number;
  drainUntil?: number;
  /** What the data plane last reported of its health (see rememberHealth). */
  health?: TargetHealthMemory;
}

type Row = { id: string; port: number; availability_zone: string | null; registered_at: number; drain_until: number | null; health: string | null };
const parse = (r: Row): StoredTarget => ({
  id: r.id, port: r.port, registeredAt: r.registered_at,
  ...(r.health !== null ? { health: JSON.parse(r.health) as TargetHealthMemory } : {}),
  ...(r.availability_zone !== null ? { availabilityZone: r.availability_zone } : {}),
  ...(r.drain_until !== null ? { drainUntil: r.drain_until } : {}),
});

/**
 * The targets of a group, in registration order, at `now`: targets whose drain has ended are
 * gone (removed here, lazily, so no timer is needed).
 */
export function targetsOf(db: Db, targetGroupArn: string, now: number): StoredTarget[] {
  db.prepare("DELETE FROM elb_targets WHERE target_group_arn = ? AND drain_until <= ?").run(targetGroupArn, now);
  return (db.prepare("SELECT * FROM elb_targets WHERE target_group_arn = ? ORDER BY registered_at, rowid").all(targetGroupArn) as Row[]).map(parse);
}

/** Registers (or re-registers, ending a drain) a target. */
export function putTarget(db: Db, targetGroupArn: string, t: { id: string; port: number; availabilityZone?: string }, now: number): void {
  db.prepare(
    `INSERT INTO elb_targets (target_group_arn, id, port, availability_zone, registered_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (target_group_arn, id, port) DO UPDATE SET drain_until = NULL,
       health = CASE WHEN elb_targets.drain_until IS NULL THEN elb_targets.health ELSE NULL END,
       registered_at = CASE WHEN elb_targets.drain_until IS NULL THEN elb_targets.registered_at ELSE excluded.registered_at END`,
  ).run(targetGroupArn, t.id, t.port, t.availabilityZone ?? null, now);
}

/**
 * Keeps what the data plane reports of a registered target's health (undefined: nothing worth
 * keeping, it is `initial`), so a restarted data plane resumes from it. A draining target's is
 * not kept: it gets no new traffic and is never checked again.
 */
export function rememberHealth(db: Db, targetGroupArn: string, t: { id: string; port: number }, health: TargetHealthMemory | undefined): void {
  db.prepare("UPDATE elb_targets SET health = ? WHERE target_group_arn = ? AND id = ? AND port = ? AND drain_until IS NULL")
    .run(health === undefined ? null : JSON.stringify(health), targetGroupArn, t.id, t.port);
}

/** The health rememberHealth kept for a registered target, if any. */
export function keptHealth(db: Db, targetGroupArn: string, t: { id: string; port: number }): TargetHealthMemory | undefined {
  const row = db.prepare("SELECT health FROM elb_targets WHERE target_group_arn = ? AND id = ? AND port = ? AND drain_until IS NULL").get(targetGroupArn, t.id, t.port) as { health: string | null } | undefined;
  return row?.health ? (JSON.parse(row.health) as TargetHealthMemory) : undefined;
}

/** Starts a target's drain, or removes it at once when `drainUntil` is undefined. */
export function releaseTarget(db: Db, targetGroupArn: string, t: { id: string; port: number }, drainUntil: number | undefined): void {
  if (drainUntil === undefined) db.prepare("DELETE FROM elb_targets WHERE target_group_arn = ? AND id = ? AND port = ?").run(targetGroupArn, t.id, t.port);
  else db.prepare("UPDATE elb_targets SET drain_until = ? WHERE target_group_arn = ? AND id = ? AND port = ? AND drain_until IS NULL").run(drainUntil, targetGroupArn, t.id, t.port);
}

/**
 * Berth's EC2 instances are its registered container instances: an instance target's address is
 * the instance's host IP (where bridge-mode host ports are published). Read from the ECS table
 * directly so ELBv2 does not depend on the ECS service's code.
 */
export function instanceHostIp(db: Db, scope: { account: string; region: string }, ec2InstanceId: string): string | undefined {
  const row = db.prepare("SELECT host_ip FROM container_instances WHERE account = ? AND region = ? AND ec2_instance_id = ? AND status IN ('ACTIVE', 'DRAINING')")
    .get(scope.account, scope.region, ec2InstanceId) as { host_ip: string } | undefined;
  return row?.host_ip;
}
