import { randomBytes, randomInt } from "node:crypto";
import type { Deployment, Service, ServiceDeployment, ServiceDeploymentStatus, ServiceRevision, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { circuitBreakerThreshold } from "./deployment-rules.js";

/**
 * Service deployments and service revisions as stored. A service deployment is the record of one
 * deployment the scheduler carries out (its `deploymentId`, the ecs-svc/... id DescribeServices
 * shows); its target revision is what that deployment runs. The wire documents are kept as ECS
 * shows them, less the task counts, which are read from the tasks while the deployment is ongoing.
 */
export interface StoredServiceDeployment {
  scope: Scope;
  deploymentId: string;
  /** The deployment a rollback returns to (set once a rollback starts). */
  rollbackTo?: string;
  doc: ServiceDeployment;
}

/** The states in which a service deployment is still going on (ECS's "Pending" and "Ongoing" stages). */
export const ONGOING: ReadonlySet<string> = new Set(["PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"]);

const clusterAndService = (serviceArn: string) => serviceArn.split(":").slice(5).join(":").split("/").slice(1).join("/");
const prefix = (s: Scope) => `arn:aws:ecs:${s.region}:${s.account}`;
/** ECS's service deployment ids are 22 URL-safe characters (r9i43YFjvgF_xlg7m2eJ1r). */
export const serviceDeploymentArn = (s: Scope, serviceArn: string) => `${prefix(s)}:service-deployment/${clusterAndService(serviceArn)}/${randomBytes(16).toString("base64url")}`;
/** ECS's service revision ids are 19 digits (4980306466373577095). */
const digits = (n: number) => Array.from({ length: n }, (_, i) => String(randomInt(i === 0 ? 1 : 0, 10))).join("");
export const serviceRevisionArn = (s: Scope, serviceArn: string) => `${prefix(s)}:service-revision/${clusterAndService(serviceArn)}/${digits(19)}`;

const DATES = ["createdAt", "startedAt", "finishedAt", "stoppedAt", "updatedAt"] as const;
function reviveDates<T extends object>(doc: T): T {
  const d = doc as Record<string, unknown>;
  for (const k of DATES) if (typeof d[k] === "string") d[k] = new Date(d[k] as string);
  const rollback = d.rollback as Record<string, unknown> | undefined;
  if (typeof rollback?.startedAt === "string") rollback.startedAt = new Date(rollback.startedAt);
  return doc;
}

interface DeploymentRow { arn: string; account: string; region: string; deployment_id: string; rollback_to: string | null; doc: string }
const fromRow = (r: DeploymentRow): StoredServiceDeployment => ({
  scope: { account: r.account, region: r.region },
  deploymentId: r.deployment_id,
  ...(r.rollback_to ? { rollbackTo: r.rollback_to } : {}),
  doc: reviveDates(JSON.parse(r.doc) as ServiceDeployment),
});

export function findServiceDeployment(db: Db, arn: string): StoredServiceDeployment | undefined {
  const row = db.prepare("SELECT * FROM service_deployments WHERE arn = ?").get(arn) as DeploymentRow | undefined;
  return row && fromRow(row);
}

/** A service's deployments, newest first (ListServiceDeployments' order). */
export function serviceDeploymentsOf(db: Db, serviceArn: string): StoredServiceDeployment[] {
  return (db.prepare("SELECT * FROM service_deployments WHERE service_arn = ? ORDER BY seq DESC").all(serviceArn) as DeploymentRow[]).map(fromRow);
}

/** A service's deployments that are still going on (read at every decision: only those rows are parsed). */
export function ongoingDeploymentsOf(db: Db, serviceArn: string): StoredServiceDeployment[] {
  const rows = db.prepare(`SELECT * FROM service_deployments WHERE service_arn = ? AND status IN (${[...ONGOING].map(() => "?").join(", ")}) ORDER BY seq DESC`).all(serviceArn, ...ONGOING) as DeploymentRow[];
  return rows.map(fromRow);
}

export function saveServiceDeployment(db: Db, d: StoredServiceDeployment): void {
  db.prepare(
    `INSERT INTO service_deployments (arn, account, region, service_arn, deployment_id, status, created_at, seq, rollback_to, doc)
     VALUES (@arn, @account, @region, @service, @deploymentId, @status, @createdAt, (SELECT coalesce(max(seq), 0) + 1 FROM service_deployments), @rollbackTo, @doc)
     ON CONFLICT (arn) DO UPDATE SET status = excluded.status, rollback_to = excluded.rollback_to, doc = excluded.doc`,
  ).run({
    arn: d.doc.serviceDeploymentArn, account: d.scope.account, region: d.scope.region, service: d.doc.serviceArn, deploymentId: d.deploymentId,
    status: d.doc.status, createdAt: d.doc.createdAt!.getTime(), rollbackTo: d.rollbackTo ?? null, doc: JSON.stringify(d.doc),
  });
}

export function findServiceRevision(db: Db, arn: string): ServiceRevision | undefined {
  const row = db.prepare("SELECT doc FROM service_revisions WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row && reviveDates(JSON.parse(row.doc) as ServiceRevision);
}

/** The revision a scheduler deployment runs (undefined for deployments from before revisions were kept). */
export function revisionArnOf(db: Db, serviceArn: string, deploymentId: string): string | undefined {
  return (db.prepare("SELECT arn FROM service_revisions WHERE service_arn = ? AND deployment_id = ?").get(serviceArn, deploymentId) as { arn: string } | undefined)?.arn;
}

/** A service's deployments and revisions go with it (a service created again under its name starts afresh). */
export function forgetServiceDeployments(db: Db, serviceArn: string): void {
  db.prepare("DELETE FROM service_deployments WHERE service_arn = ?").run(serviceArn);
  db.prepare("DELETE FROM service_revisions WHERE service_arn = ?").run(serviceArn);
  db.prepare("DELETE FROM ecs_hook_executions WHERE service_arn = ?").run(serviceArn);
}

/** How ServiceDeployment shows the circuit breaker and the alarms while nothing has tripped them. */
export function monitors(svc: Service): Pick<ServiceDeployment, "deploymentCircuitBreaker" | "alarms"> {
  const breaker = svc.deploymentConfiguration?.deploymentCircuitBreaker;
  const alarms = svc.deploymentConfiguration?.alarms;
  return {
    deploymentCircuitBreaker: breaker?.enable
      ? { status: "MONITORING", failureCount: 0, threshold: circuitBreakerThreshold(svc.desiredCount ?? 0) }
      : { status: "DISABLED", failureCount: 0, threshold: 0 },
    alarms: alarms?.enable ? { status: "MONITORING", alarmNames: alarms.alarmNames ?? [], triggeredAlarmNames: [] } : { status: "DISABLED" },
  };
}

/**
 * The record of a deployment that CreateService or UpdateService just started: a new revision of
 * the service as it now stands (target), the revisions its older deployments still run (sources),
 * PENDING until the scheduler first acts on it. Older service deployments still going on are
 * over: ECS stops a deployment that a newer one replaces.
 */
export function beginServiceDeployment(db: Db, scope: Scope, svc: Service, deployment: Deployment, def: TaskDefinition, now: Date): StoredServiceDeployment {
  const serviceArn = svc.serviceArn!;
  for (const older of ongoingDeploymentsOf(db, serviceArn)) {
    saveServiceDeployment(db, {
      ...older,
      doc: { ...older.doc, status: "STOPPED", statusReason: "Service deployment stopped: a newer service deployment replaced it.", finishedAt: now, stoppedAt: now, updatedAt: now, lifecycleStage: undefined },
    });
  }
  const revision: ServiceRevision = {
    serviceRevisionArn: serviceRevisionArn(scope, serviceArn),
    serviceArn,
    clusterArn: svc.clusterArn,
    taskDefinition: deployment.taskDefinition,
    ...(deployment.capacityProviderStrategy ? { capacityProviderStrategy: deployment.capacityProviderStrategy } : { launchType: deployment.launchType }),
    ...(deployment.platformVersion ? { platformVersion: deployment.platformVersion, platformFamily: deployment.platformFamily } : {}),
    loadBalancers: svc.loadBalancers ?? [],
    serviceRegistries: svc.serviceRegistries ?? [],
    networkConfiguration: deployment.networkConfiguration,
    ...(deployment.serviceConnectConfiguration ? { serviceConnectConfiguration: deployment.serviceConnectConfiguration } : {}),
    ...(deployment.volumeConfigurations ? { volumeConfigurations: deployment.volumeConfigurations } : {}),
    ...(deployment.vpcLatticeConfigurations ? { vpcLatticeConfigurations: deployment.vpcLatticeConfigurations } : {}),
    containerImages: (def.containerDefinitions ?? []).map((c) => ({ containerName: c.name, image: c.image })),
    guardDutyEnabled: false,
    createdAt: now,
  };
  db.prepare("INSERT INTO service_revisions (arn, account, region, service_arn, deployment_id, doc) VALUES (?, ?, ?, ?, ?, ?)")
    .run(revision.serviceRevisionArn, scope.account, scope.region, serviceArn, deployment.id, JSON.stringify(revision));
  const sources = (svc.deployments ?? [])
    .filter((d) => d.id !== deployment.id)
    .map((d) => revisionArnOf(db, serviceArn, d.id!))
    .filter((a): a is string => a !== undefined);
  const record: StoredServiceDeployment = {
    scope,
    deploymentId: deployment.id!,
    doc: {
      serviceDeploymentArn: serviceDeploymentArn(scope, serviceArn),
      serviceArn,
      clusterArn: svc.clusterArn,
      createdAt: now,
      updatedAt: now,
      sourceServiceRevisions: sources.map((arn) => ({ arn })),
      targetServiceRevision: { arn: revision.serviceRevisionArn },
      status: "PENDING" satisfies ServiceDeploymentStatus,
      deploymentConfiguration: svc.deploymentConfiguration,
      ...monitors(svc),
    },
  };
  saveServiceDeployment(db, record);
  return record;
}

/** The scheduler deployment a revision belongs to. */
export function deploymentOfRevision(db: Db, revisionArn: string): string | undefined {
  return (db.prepare("SELECT deployment_id AS d FROM service_revisions WHERE arn = ?").get(revisionArn) as { d: string } | undefined)?.d;
}
