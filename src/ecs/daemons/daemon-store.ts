import type { DaemonDeployment, DaemonDeploymentConfiguration, DaemonRevision } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { parseArn } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import { dropAllTags } from "../tags.js";

/** A daemon as stored: what DescribeDaemon shows plus what its next revision is made from. */
export interface StoredDaemon {
  daemonArn: string;
  daemonName: string;
  clusterArn: string;
  status: "ACTIVE" | "DELETE_IN_PROGRESS";
  createdAt: Date;
  updatedAt: Date;
  /** The revision every instance should run, and the deployment that rolls it out (or the delete's). */
  revisionArn: string;
  deploymentArn: string;
  deploymentConfiguration?: DaemonDeploymentConfiguration;
}

/** A revision as stored: the wire shape plus the capacity providers it runs on. */
export type StoredRevision = DaemonRevision & { capacityProviderArns: string[] };
/**
 * A deployment as stored: the wire shape plus its daemon, the revisions it replaces and, while
 * the instances done so far bake, when that bake time began (epoch ms; kept here so that it
 * survives a restart).
 */
export type StoredDeployment = DaemonDeployment & { daemonArn: string; sourceRevisionArns: string[]; targetRevisionArn?: string; bakeStartedAt?: number };

export const daemonNotFound = () => new ServiceError("DaemonNotFoundException", "The specified daemon does not exist.");
export const daemonNotActive = () => new ServiceError("DaemonNotActiveException", "The specified daemon is not active.");

const base = ({ region, account }: Scope) => `arn:aws:ecs:${region}:${account}`;
export const daemonArn = (s: Scope, cluster: string, name: string) => `${base(s)}:daemon/${cluster}/${name}`;
export const daemonRevisionArn = (s: Scope, cluster: string, name: string, id: string) => `${base(s)}:daemon-revision/${cluster}/${name}/${id}`;
export const daemonDeploymentArn = (s: Scope, cluster: string, name: string, id: string) => `${base(s)}:daemon-deployment/${cluster}/${name}/${id}`;

/** The cluster and name a daemon ARN names in this account and region, or undefined. */
export function parseDaemonArn(scope: Scope, arn: string): { cluster: string; name: string } | undefined {
  const p = parseArn(arn);
  if (!p || p.service !== "ecs" || p.type !== "daemon" || p.path.length !== 2 || p.account !== scope.account || p.region !== scope.region) return undefined;
  return { cluster: p.path[0]!, name: p.path[1]! };
}

const DATES = ["createdAt", "updatedAt", "startedAt", "finishedAt", "stoppedAt"] as const;
function revive<T>(doc: string): T {
  const o = JSON.parse(doc) as Record<string, unknown>;
  for (const k of DATES) if (typeof o[k] === "string") o[k] = new Date(o[k]);
  // A deployment's rollback has a date of its own.
  const rollback = o.rollback as Record<string, unknown> | undefined;
  if (typeof rollback?.startedAt === "string") rollback.startedAt = new Date(rollback.startedAt);
  return o as T;
}

export function findDaemon(db: Db, arn: string): StoredDaemon | undefined {
  const row = db.prepare("SELECT doc FROM daemons WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row ? revive<StoredDaemon>(row.doc) : undefined;
}

/** The daemon a request names, or DaemonNotFoundException. */
export function requireDaemon(db: Db, scope: Scope, arn: string | undefined): StoredDaemon {
  const d = arn && parseDaemonArn(scope, arn) ? findDaemon(db, arn) : undefined;
  if (!d) throw daemonNotFound();
  return d;
}

export function saveDaemon(db: Db, scope: Scope, d: StoredDaemon): void {
  db.prepare(
    `INSERT INTO daemons (arn, account, region, cluster_arn, name, status, seq, doc)
     VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM daemons), ?)
     ON CONFLICT (arn) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
  ).run(d.daemonArn, scope.account, scope.region, d.clusterArn, d.daemonName, d.status, JSON.stringify(d));
}

export function forgetDaemon(db: Db, arn: string): void {
  db.prepare("DELETE FROM daemons WHERE arn = ?").run(arn);
  db.prepare("DELETE FROM daemon_tasks WHERE daemon_arn = ?").run(arn);
  dropAllTags(db, arn);
}

export function daemonsIn(db: Db, scope: Scope): StoredDaemon[] {
  const rows = db.prepare("SELECT doc FROM daemons WHERE account = ? AND region = ? ORDER BY seq").all(scope.account, scope.region) as Array<{ doc: string }>;
  return rows.map((r) => revive<StoredDaemon>(r.doc));
}

/** Every daemon of every account and region, with its scope: what the controller reconciles. */
export function allDaemons(db: Db): Array<{ scope: Scope; daemon: StoredDaemon }> {
  const rows = db.prepare("SELECT account, region, doc FROM daemons ORDER BY seq").all() as Array<{ account: string; region: string; doc: string }>;
  return rows.map((r) => ({ scope: { account: r.account, region: r.region }, daemon: revive<StoredDaemon>(r.doc) }));
}

export function saveRevision(db: Db, scope: Scope, daemon: string, r: StoredRevision): void {
  db.prepare("INSERT INTO daemon_revisions (arn, account, region, daemon_arn, doc) VALUES (?, ?, ?, ?, ?)").run(r.daemonRevisionArn, scope.account, scope.region, daemon, JSON.stringify(r));
}

export function findRevision(db: Db, arn: string): StoredRevision | undefined {
  const row = db.prepare("SELECT doc FROM daemon_revisions WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row ? revive<StoredRevision>(row.doc) : undefined;
}

export function saveDeployment(db: Db, scope: Scope, d: StoredDeployment): void {
  db.prepare(
    `INSERT INTO daemon_deployments (arn, account, region, daemon_arn, status, created_at, seq, doc)
     VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM daemon_deployments), ?)
     ON CONFLICT (arn) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
  ).run(d.daemonDeploymentArn, scope.account, scope.region, d.daemonArn, d.status, d.createdAt!.getTime(), JSON.stringify(d));
}

export function findDeployment(db: Db, arn: string): StoredDeployment | undefined {
  const row = db.prepare("SELECT doc FROM daemon_deployments WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row ? revive<StoredDeployment>(row.doc) : undefined;
}

/** A daemon's deployments, newest first. */
export function deploymentsOf(db: Db, daemon: string): StoredDeployment[] {
  const rows = db.prepare("SELECT doc FROM daemon_deployments WHERE daemon_arn = ? ORDER BY seq DESC").all(daemon) as Array<{ doc: string }>;
  return rows.map((r) => revive<StoredDeployment>(r.doc));
}

/** A task a daemon launched: on which instance, for which revision. */
export interface DaemonTask {
  taskArn: string;
  revisionArn: string;
  instanceArn: string;
}

export function recordDaemonTask(db: Db, daemon: string, t: DaemonTask): void {
  db.prepare("INSERT INTO daemon_tasks (task_arn, daemon_arn, revision_arn, instance_arn) VALUES (?, ?, ?, ?)").run(t.taskArn, daemon, t.revisionArn, t.instanceArn);
}

/** Forgets the daemon's tasks the janitor has removed (stopped past the retention period). */
export function pruneDaemonTasks(db: Db, daemon: string): void {
  db.prepare("DELETE FROM daemon_tasks WHERE daemon_arn = ? AND task_arn NOT IN (SELECT arn FROM tasks)").run(daemon);
}

/** When the revision's last task on the instance stopped (epoch ms), if one did. */
export function lastStopOn(db: Db, daemon: string, revision: string, instance: string): number | undefined {
  const row = db
    .prepare(
      `SELECT max(t.stopped_at) AS at FROM daemon_tasks d JOIN tasks t ON t.arn = d.task_arn
       WHERE d.daemon_arn = ? AND d.revision_arn = ? AND d.instance_arn = ? AND t.last_status = 'STOPPED'`,
    )
    .get(daemon, revision, instance) as { at: number | null };
  return row.at ?? undefined;
}

/**
 * How many of the revision's tasks stopped on their own (an essential container exited, the task
 * failed to start) at or after `since` (epoch ms): what the deployment circuit breaker counts.
 */
export function failedTasksOf(db: Db, daemon: string, revision: string, since: number, stopCodes: ReadonlySet<string>): number {
  const codes = [...stopCodes];
  const row = db
    .prepare(
      `SELECT count(*) AS n FROM daemon_tasks d JOIN tasks t ON t.arn = d.task_arn
       WHERE d.daemon_arn = ? AND d.revision_arn = ? AND t.last_status = 'STOPPED' AND t.stopped_at >= ?
       AND json_extract(t.doc, '$.stopCode') IN (${codes.map(() => "?").join(", ")})`,
    )
    .get(daemon, revision, since, ...codes) as { n: number };
  return row.n;
}

/** A daemon task that has not stopped yet, with its desired status, last status and health. */
export type LiveDaemonTask = DaemonTask & { desiredStatus: string; lastStatus: string; healthStatus: string | null };

export function liveDaemonTasks(db: Db, daemon: string): LiveDaemonTask[] {
  return db
    .prepare(
      `SELECT d.task_arn AS taskArn, d.revision_arn AS revisionArn, d.instance_arn AS instanceArn, t.desired_status AS desiredStatus, t.last_status AS lastStatus,
       json_extract(t.doc, '$.healthStatus') AS healthStatus
       FROM daemon_tasks d JOIN tasks t ON t.arn = d.task_arn WHERE d.daemon_arn = ? AND t.last_status != 'STOPPED'`,
    )
    .all(daemon) as LiveDaemonTask[];
}
