import type { Deployment, Service, ServiceEvent, Task } from "@aws-sdk/client-ecs";
import { emitDeploymentChanges, emitTaskSetCountChanges } from "./service-action-events.js";
import { randomInt } from "node:crypto";
import type { Db } from "../../store/database.js";
import { parseArn, type Scope } from "../../core/arn.js";
import { newUuid } from "../../core/ids.js";
import type { ServiceState } from "./service-plan-types.js";
import { forgetServiceDeployments } from "./service-deployment-store.js";
import { reviveTaskSet } from "./task-set-model.js";
import { MAX_SERVICE_EVENTS, REPEAT_EVENT_AFTER_MS } from "./deployment-rules.js";

/**
 * Services as stored: the wire document (deployments included, without the counts and events,
 * which are computed or kept apart) and the scheduler's own state.
 */
export interface StoredService {
  scope: Scope;
  service: Service;
  state: ServiceState;
}

export const serviceArn = (s: Scope, cluster: string, name: string) => `arn:aws:ecs:${s.region}:${s.account}:service/${cluster}/${name}`;

/** ECS deployment ids: ecs-svc/ and 19 digits. */
const nineDigits = () => String(randomInt(0, 1_000_000_000)).padStart(9, "0");
export const newDeploymentId = () => `ecs-svc/${randomInt(1, 10)}${nineDigits()}${nineDigits()}`;

/**
 * The ARN a `service` parameter names, given the request's cluster: a name, a long ARN
 * (service/<cluster>/<name>) or a short one (service/<name>). Undefined when it names no service
 * of that cluster here.
 */
export function serviceArnOf(scope: Scope, clusterName: string, ref: string): string | undefined {
  if (!ref.startsWith("arn:")) return /^[a-zA-Z0-9_-]{1,255}$/.test(ref) ? serviceArn(scope, clusterName, ref) : undefined;
  const arn = parseArn(ref);
  if (!arn || arn.service !== "ecs" || arn.type !== "service" || arn.account !== scope.account || arn.region !== scope.region) return undefined;
  if (arn.path.length === 1) return serviceArn(scope, clusterName, arn.path[0]!);
  if (arn.path.length === 2 && arn.path[0] === clusterName) return ref;
  return undefined;
}

function revive(row: { doc: string; state: string; account: string; region: string }): StoredService {
  const service = JSON.parse(row.doc) as Service;
  if (service.createdAt) service.createdAt = new Date(service.createdAt as unknown as string);
  for (const d of service.deployments ?? []) {
    if (d.createdAt) d.createdAt = new Date(d.createdAt as unknown as string);
    if (d.updatedAt) d.updatedAt = new Date(d.updatedAt as unknown as string);
  }
  for (const t of service.taskSets ?? []) reviveTaskSet(t);
  return { scope: { account: row.account, region: row.region }, service, state: JSON.parse(row.state) as ServiceState };
}

export function findService(db: Db, arn: string): StoredService | undefined {
  const row = db.prepare("SELECT doc, state, account, region FROM services WHERE arn = ?").get(arn) as { doc: string; state: string; account: string; region: string } | undefined;
  return row ? revive(row) : undefined;
}

export function saveService(db: Db, s: StoredService): void {
  const svc = s.service;
  const before = db.prepare("SELECT doc FROM services WHERE arn = ?").get(svc.serviceArn) as { doc: string } | undefined;
  // EventBridge's "ECS Deployment State Change", in this transaction.
  const previous = before ? (JSON.parse(before.doc) as Service) : undefined;
  emitDeploymentChanges(db, s.scope, previous, svc);
  // "ECS Service Action" SERVICE_DESIRED_COUNT_UPDATED for task sets whose computed count moved.
  emitTaskSetCountChanges(db, s.scope, previous, svc);
  db.prepare(
    `INSERT INTO services (arn, account, region, cluster_arn, name, status, launch_type, scheduling_strategy, seq, doc, state)
     VALUES (@arn, @account, @region, @cluster, @name, @status, @launchType, @scheduling, (SELECT coalesce(max(seq), 0) + 1 FROM services), @doc, @state)
     ON CONFLICT (arn) DO UPDATE SET status = excluded.status, launch_type = excluded.launch_type, doc = excluded.doc, state = excluded.state`,
  ).run({
    arn: svc.serviceArn,
    account: s.scope.account,
    region: s.scope.region,
    cluster: svc.clusterArn,
    name: svc.serviceName,
    status: svc.status,
    launchType: svc.launchType ?? null,
    scheduling: svc.schedulingStrategy,
    doc: JSON.stringify({ ...svc, events: undefined, tags: undefined }),
    state: JSON.stringify(s.state),
  });
}

/** A service created again under the name of an INACTIVE one replaces it, events and task links included. */
export function forgetService(db: Db, arn: string): void {
  db.prepare("DELETE FROM service_tasks WHERE service_arn = ?").run(arn);
  db.prepare("DELETE FROM services WHERE arn = ?").run(arn);
  forgetServiceDeployments(db, arn);
}

/** A cluster's services that are not INACTIVE, in creation order, optionally filtered. */
export function serviceArnsOf(db: Db, scope: Scope, clusterArn: string, filter: { launchType?: string; schedulingStrategy?: string } = {}): string[] {
  const where = ["account = ?", "region = ?", "cluster_arn = ?", "status != 'INACTIVE'"];
  const args: unknown[] = [scope.account, scope.region, clusterArn];
  if (filter.launchType) (where.push("launch_type = ?"), args.push(filter.launchType));
  if (filter.schedulingStrategy) (where.push("scheduling_strategy = ?"), args.push(filter.schedulingStrategy));
  return (db.prepare(`SELECT arn FROM services WHERE ${where.join(" AND ")} ORDER BY seq`).all(...args) as Array<{ arn: string }>).map((r) => r.arn);
}

/** Every service the scheduler looks after (ACTIVE and DRAINING), in every account and region. */
export function scheduledServiceArns(db: Db): string[] {
  return (db.prepare("SELECT arn FROM services WHERE status != 'INACTIVE' ORDER BY seq").all() as Array<{ arn: string }>).map((r) => r.arn);
}

/** ACTIVE and DRAINING services of a cluster by status and launch type (DescribeClusters' counts). */
export function serviceCounts(db: Db, scope: Scope, clusterArn: string): Array<{ status: string; launchType: string | null; n: number }> {
  // The cluster's account and region (its scope) let the lookup use services_by_cluster.
  return db
    .prepare("SELECT status, launch_type AS launchType, count(*) AS n FROM services WHERE account = ? AND region = ? AND cluster_arn = ? AND status != 'INACTIVE' GROUP BY status, launch_type")
    .all(scope.account, scope.region, clusterArn) as Array<{ status: string; launchType: string | null; n: number }>;
}

// ---- events ----

/**
 * Adds events, newest last in `messages`. As ECS does, a message identical to the newest event is
 * omitted for six hours, and only the 100 most recent events are kept.
 */
export function addEvents(db: Db, arn: string, messages: readonly string[], now: Date): void {
  const newest = db.prepare("SELECT message, created_at AS at FROM service_events WHERE service_arn = ? ORDER BY seq DESC LIMIT 1").get(arn) as { message: string; at: number } | undefined;
  let last = newest;
  const insert = db.prepare("INSERT INTO service_events (id, service_arn, seq, created_at, message) VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM service_events WHERE service_arn = ?), ?, ?)");
  for (const message of messages) {
    if (last && last.message === message && now.getTime() - last.at < REPEAT_EVENT_AFTER_MS) continue;
    insert.run(newUuid(), arn, arn, now.getTime(), message);
    last = { message, at: now.getTime() };
  }
  db.prepare(
    `DELETE FROM service_events WHERE service_arn = ? AND seq <= (SELECT seq FROM service_events WHERE service_arn = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
  ).run(arn, arn, MAX_SERVICE_EVENTS);
}

/** Newest first, as DescribeServices shows them. */
export function serviceEvents(db: Db, arn: string): ServiceEvent[] {
  const rows = db.prepare("SELECT id, created_at AS at, message FROM service_events WHERE service_arn = ? ORDER BY seq DESC").all(arn) as Array<{ id: string; at: number; message: string }>;
  return rows.map((r) => ({ id: r.id, createdAt: new Date(r.at), message: r.message }));
}

// ---- the service's tasks ----

export function linkTask(db: Db, taskArn: string, service: string, deploymentId: string): void {
  db.prepare("INSERT INTO service_tasks (task_arn, service_arn, deployment_id) VALUES (?, ?, ?)").run(taskArn, service, deploymentId);
}

export interface ServiceTask {
  task: Task;
  deploymentId: string;
  accounted: boolean;
}

/** The service's tasks the store still has (a STOPPED one until the janitor forgets it), in creation order. */
export function serviceTasks(db: Db, service: string): ServiceTask[] {
  const rows = db
    .prepare("SELECT t.doc, s.deployment_id AS d, s.accounted AS a FROM service_tasks s JOIN tasks t ON t.arn = s.task_arn WHERE s.service_arn = ? ORDER BY t.seq")
    .all(service) as Array<{ doc: string; d: string; a: number }>;
  return rows.map((r) => {
    const task = JSON.parse(r.doc) as Task;
    if (task.startedAt) task.startedAt = new Date(task.startedAt as unknown as string);
    return { task, deploymentId: r.d, accounted: r.a === 1 };
  });
}

export function markAccounted(db: Db, taskArns: readonly string[]): void {
  const stmt = db.prepare("UPDATE service_tasks SET accounted = 1 WHERE task_arn = ?");
  for (const arn of taskArns) stmt.run(arn);
}

/** Does this task belong to a service? (The report listener pokes the scheduler for those.) */
export function isServiceTask(db: Db, taskArn: string): boolean {
  return db.prepare("SELECT 1 FROM service_tasks WHERE task_arn = ?").get(taskArn) !== undefined;
}

/** Running and pending tasks of a service by deployment, and how many each still wants (desired RUNNING). */
export function taskCountsByDeployment(db: Db, service: string): Map<string, { running: number; pending: number; wanted: number; live: number }> {
  const rows = db
    .prepare(
      `SELECT s.deployment_id AS d, t.last_status AS last, t.desired_status AS desired, count(*) AS n
       FROM service_tasks s JOIN tasks t ON t.arn = s.task_arn
       WHERE s.service_arn = ? AND t.last_status != 'STOPPED' GROUP BY 1, 2, 3`,
    )
    .all(service) as Array<{ d: string; last: string; desired: string; n: number }>;
  const out = new Map<string, { running: number; pending: number; wanted: number; live: number }>();
  for (const r of rows) {
    const c = out.get(r.d) ?? { running: 0, pending: 0, wanted: 0, live: 0 };
    c.live += r.n;
    if (r.last === "RUNNING") c.running += r.n;
    else if (["PROVISIONING", "PENDING", "ACTIVATING"].includes(r.last)) c.pending += r.n;
    if (r.desired === "RUNNING") c.wanted += r.n;
    out.set(r.d, c);
  }
  return out;
}

export type { Deployment };
