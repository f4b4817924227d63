import type { Attribute, ContainerInstance } from "@aws-sdk/client-ecs";
import { emitInstanceChange } from "./instance-events.js";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";

/**
 * Container instances as stored: the wire document without what is computed when read
 * (attributes, tags, task counts, remaining resources), plus what only Berth needs: the host
 * address its bridge ports are published on, and its slot when it is one of `berth up`'s
 * virtual instances.
 */
export interface StoredInstance {
  instance: ContainerInstance;
  clusterArn: string;
  hostIp: string;
  virtualSlot?: number;
}

interface Row {
  doc: string;
  cluster_arn: string;
  host_ip: string;
  virtual_slot: number | null;
}

const COLUMNS = "doc, cluster_arn, host_ip, virtual_slot";

function revive(row: Row): StoredInstance {
  const instance = JSON.parse(row.doc) as ContainerInstance;
  if (instance.registeredAt) instance.registeredAt = new Date(instance.registeredAt as unknown as string);
  return { instance, clusterArn: row.cluster_arn, hostIp: row.host_ip, virtualSlot: row.virtual_slot ?? undefined };
}

export function findInstance(db: Db, arn: string): StoredInstance | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM container_instances WHERE arn = ?`).get(arn) as Row | undefined;
  return row ? revive(row) : undefined;
}

/** A cluster's instances in registration order; `statuses` limits which (all of them when absent). */
export function instancesOf(db: Db, scope: Scope, clusterArn: string, statuses?: string[]): StoredInstance[] {
  const filter = statuses ? `AND status IN (${statuses.map(() => "?").join(", ")})` : "";
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM container_instances WHERE account = ? AND region = ? AND cluster_arn = ? ${filter} ORDER BY seq`)
    .all(scope.account, scope.region, clusterArn, ...(statuses ?? [])) as Row[];
  return rows.map(revive);
}

/** The virtual instance in `slot`, if one is still registered (ACTIVE or DRAINING). */
export function findVirtualInstance(db: Db, scope: Scope, slot: number): StoredInstance | undefined {
  const row = db
    .prepare(`SELECT ${COLUMNS} FROM container_instances WHERE account = ? AND region = ? AND virtual_slot = ? AND status != 'INACTIVE'`)
    .get(scope.account, scope.region, slot) as Row | undefined;
  return row ? revive(row) : undefined;
}

/** Virtual instances in slots above `count`, still registered: those `berth up` no longer runs. */
export function virtualInstancesAbove(db: Db, scope: Scope, count: number): StoredInstance[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM container_instances WHERE account = ? AND region = ? AND virtual_slot > ? AND status != 'INACTIVE' ORDER BY virtual_slot`)
    .all(scope.account, scope.region, count) as Row[];
  return rows.map(revive);
}

/** The registered (not INACTIVE) instance of an EC2 instance id, in any cluster. */
export function findByEc2InstanceId(db: Db, scope: Scope, ec2InstanceId: string): StoredInstance | undefined {
  const row = db
    .prepare(`SELECT ${COLUMNS} FROM container_instances WHERE account = ? AND region = ? AND ec2_instance_id = ? AND status != 'INACTIVE'`)
    .get(scope.account, scope.region, ec2InstanceId) as Row | undefined;
  return row ? revive(row) : undefined;
}

export function saveInstance(db: Db, scope: Scope, s: StoredInstance): void {
  const i = s.instance;
  // A deregistered instance gives its slot up, so that the slot can be registered afresh.
  const slot = i.status === "INACTIVE" ? null : s.virtualSlot ?? null;
  const before = db.prepare("SELECT doc FROM container_instances WHERE arn = ?").get(i.containerInstanceArn) as { doc: string } | undefined;
  // EventBridge's "ECS Container Instance State Change", in this transaction.
  emitInstanceChange(db, scope, s.clusterArn, before ? (JSON.parse(before.doc) as ContainerInstance) : undefined, i);
  db.prepare(
    `INSERT INTO container_instances (arn, account, region, cluster_arn, ec2_instance_id, status, host_ip, virtual_slot, seq, doc)
     VALUES (@arn, @account, @region, @cluster, @ec2, @status, @hostIp, @slot, (SELECT coalesce(max(seq), 0) + 1 FROM container_instances), @doc)
     ON CONFLICT (arn) DO UPDATE SET status = excluded.status, host_ip = excluded.host_ip, virtual_slot = excluded.virtual_slot, doc = excluded.doc`,
  ).run({
    arn: i.containerInstanceArn,
    account: scope.account,
    region: scope.region,
    cluster: s.clusterArn,
    ec2: i.ec2InstanceId,
    status: i.status,
    hostIp: s.hostIp,
    slot,
    doc: JSON.stringify(i),
  });
}

/** Registered instances (ACTIVE or DRAINING) of a cluster: DescribeClusters' count, DeleteCluster's check. */
export function registeredCount(db: Db, scope: Scope, clusterArn: string): number {
  // The cluster's account and region (its scope) let the count use container_instances_by_cluster.
  const row = db.prepare("SELECT count(*) AS n FROM container_instances WHERE account = ? AND region = ? AND cluster_arn = ? AND status IN ('ACTIVE', 'DRAINING')").get(scope.account, scope.region, clusterArn);
  return (row as { n: number }).n;
}

export function instanceAttributes(db: Db, arn: string): Attribute[] {
  const rows = db.prepare("SELECT name, value FROM container_instance_attributes WHERE instance_arn = ? ORDER BY rowid").all(arn) as Array<{ name: string; value: string | null }>;
  return rows.map(({ name, value }) => (value === null ? { name } : { name, value }));
}

export function attributeValue(db: Db, arn: string, name: string): string | undefined {
  const row = db.prepare("SELECT value FROM container_instance_attributes WHERE instance_arn = ? AND name = ?").get(arn, name) as { value: string | null } | undefined;
  return row?.value ?? undefined;
}

/** Creates or replaces each attribute by name (PutAttributes semantics). */
export function setAttributes(db: Db, arn: string, attributes: Attribute[]): void {
  const stmt = db.prepare(
    `INSERT INTO container_instance_attributes (instance_arn, name, value) VALUES (?, ?, ?)
     ON CONFLICT (instance_arn, name) DO UPDATE SET value = excluded.value`,
  );
  for (const a of attributes) stmt.run(arn, a.name, a.value ?? null);
}

export function removeAttributes(db: Db, arn: string, names: string[]): void {
  const stmt = db.prepare("DELETE FROM container_instance_attributes WHERE instance_arn = ? AND name = ?");
  for (const n of names) stmt.run(arn, n);
}
