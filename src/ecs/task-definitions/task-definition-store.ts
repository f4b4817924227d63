import type { TaskDefinition, TaskDefinitionStatus } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { parseArn, type Scope } from "../../core/arn.js";

export { parseCpuUnits, parseMemoryMiB } from "./fargate-sizes.js";
export { effectiveNetworkMode } from "./task-definition-validation.js";

/**
 * Task definitions as stored: one row per revision, the wire document in `doc`. Revisions are
 * never removed (DeleteTaskDefinitions only marks them DELETE_IN_PROGRESS), so max(revision) + 1
 * never hands out a revision number twice.
 */

/** What a `taskDefinition` parameter names: a family (latest ACTIVE revision) or one revision. */
export interface TaskDefinitionRef {
  family: string;
  revision?: number;
}

/**
 * Reads "family", "family:revision" or a task definition ARN of this account and region.
 * Undefined when the string is none of those (another account's or region's ARN included).
 */
export function parseTaskDefinitionRef(scope: Scope, ref: string): TaskDefinitionRef | undefined {
  let body = ref;
  if (ref.startsWith("arn:")) {
    const arn = parseArn(ref);
    if (!arn || arn.partition !== "aws" || arn.service !== "ecs" || arn.type !== "task-definition" || arn.path.length !== 1) return undefined;
    if (arn.account !== scope.account || arn.region !== scope.region) return undefined;
    body = arn.path[0]!;
  }
  const m = /^([A-Za-z0-9_-]{1,255})(?::(\d{1,9}))?$/.exec(body);
  if (!m) return undefined;
  const revision = m[2] === undefined ? undefined : Number(m[2]);
  if (revision === 0) return undefined;
  return { family: m[1]!, revision };
}

const DATES = ["registeredAt", "deregisteredAt", "deleteRequestedAt"] as const;

function fromRow(row: { doc: string } | undefined): TaskDefinition | undefined {
  if (!row) return undefined;
  const td = JSON.parse(row.doc) as TaskDefinition;
  for (const k of DATES) if (typeof td[k] === "string") td[k] = new Date(td[k] as unknown as string);
  return td;
}

export function findTaskDefinition(db: Db, scope: Scope, family: string, revision: number): TaskDefinition | undefined {
  return fromRow(
    db.prepare("SELECT doc FROM task_definitions WHERE account = ? AND region = ? AND family = ? AND revision = ?").get(scope.account, scope.region, family, revision) as
      | { doc: string }
      | undefined,
  );
}

/** The highest ACTIVE revision of a family, which is what a bare family name means. */
export function latestActiveTaskDefinition(db: Db, scope: Scope, family: string): TaskDefinition | undefined {
  return fromRow(
    db
      .prepare("SELECT doc FROM task_definitions WHERE account = ? AND region = ? AND family = ? AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1")
      .get(scope.account, scope.region, family) as { doc: string } | undefined,
  );
}

/**
 * The definition a `taskDefinition` parameter names, for RunTask, CreateService and friends:
 * a bare family is its latest ACTIVE revision; an explicit revision (family:revision or ARN) is
 * returned whatever its status, since ECS lets RunTask use an INACTIVE revision named exactly.
 * Callers decide what a status means for them (a DELETE_IN_PROGRESS revision cannot start tasks).
 */
export function resolveTaskDefinition(db: Db, scope: Scope, ref: string): TaskDefinition | undefined {
  const parsed = parseTaskDefinitionRef(scope, ref);
  if (!parsed) return undefined;
  return parsed.revision === undefined
    ? latestActiveTaskDefinition(db, scope, parsed.family)
    : findTaskDefinition(db, scope, parsed.family, parsed.revision);
}

export function nextRevision(db: Db, scope: Scope, family: string): number {
  const row = db.prepare("SELECT coalesce(max(revision), 0) + 1 AS next FROM task_definitions WHERE account = ? AND region = ? AND family = ?").get(scope.account, scope.region, family) as {
    next: number;
  };
  return row.next;
}

export function saveTaskDefinition(db: Db, scope: Scope, td: TaskDefinition): void {
  db.prepare(
    `INSERT INTO task_definitions (account, region, family, revision, arn, status, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, region, family, revision) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
  ).run(scope.account, scope.region, td.family, td.revision, td.taskDefinitionArn, td.status, JSON.stringify(td));
}

/** ARNs with one status, ordered by family then revision (both ascending unless `descending`). */
export function listTaskDefinitionArns(
  db: Db,
  scope: Scope,
  { family, status, descending }: { family?: string; status: TaskDefinitionStatus; descending: boolean },
): string[] {
  const order = descending ? "DESC" : "ASC";
  const rows = db
    .prepare(
      `SELECT arn FROM task_definitions WHERE account = ? AND region = ? AND status = ? AND (? IS NULL OR family = ?)
       ORDER BY family ${order}, revision ${order}`,
    )
    .all(scope.account, scope.region, status, family ?? null, family ?? null) as Array<{ arn: string }>;
  return rows.map((r) => r.arn);
}

/**
 * Family names, sorted. ACTIVE: families with an ACTIVE revision. INACTIVE: families with none
 * (every revision deregistered or being deleted). ALL: both.
 */
export function listFamilies(db: Db, scope: Scope, { prefix, status }: { prefix?: string; status: "ACTIVE" | "INACTIVE" | "ALL" }): string[] {
  const rows = db
    .prepare(
      `SELECT family, max(status = 'ACTIVE') AS active FROM task_definitions
       WHERE account = ? AND region = ? AND substr(family, 1, length(?)) = ?
       GROUP BY family ORDER BY family`,
    )
    .all(scope.account, scope.region, prefix ?? "", prefix ?? "") as Array<{ family: string; active: number }>;
  return rows.filter((r) => status === "ALL" || (status === "ACTIVE") === (r.active === 1)).map((r) => r.family);
}
