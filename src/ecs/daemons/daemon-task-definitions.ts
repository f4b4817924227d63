import type {
  DaemonTaskDefinition, DaemonTaskDefinitionSummary, DeleteDaemonTaskDefinitionRequest, DescribeDaemonTaskDefinitionRequest,
  ListDaemonTaskDefinitionsRequest, RegisterDaemonTaskDefinitionRequest, TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { parseArn } from "../../core/arn.js";
import type { EcsDeps } from "../deps.js";
import { clientException, invalidParameter } from "../errors.js";
import { validateTags, putTags } from "../tags.js";
import { paginate } from "../pagination.js";

/**
 * Daemon task definitions: a family of revisions of their own (not task definitions: they have
 * no network mode, placement or compatibilities), which daemons run one of on every instance.
 */
const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
export const daemonTaskDefinitionArn = ({ region, account }: Scope, family: string, revision: number) =>
  `arn:aws:ecs:${region}:${account}:daemon-task-definition/${family}:${revision}`;

function revive(doc: string): DaemonTaskDefinition {
  const d = JSON.parse(doc) as DaemonTaskDefinition;
  if (d.registeredAt) d.registeredAt = new Date(d.registeredAt as unknown as string);
  if (d.deleteRequestedAt) d.deleteRequestedAt = new Date(d.deleteRequestedAt as unknown as string);
  return d;
}

function save(db: Db, scope: Scope, d: DaemonTaskDefinition): void {
  db.prepare(
    `INSERT INTO daemon_task_definitions (account, region, family, revision, arn, status, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, region, family, revision) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
  ).run(scope.account, scope.region, d.family, d.revision, d.daemonTaskDefinitionArn, d.status, JSON.stringify(d));
}

/** The revision a reference names: an ARN, family:revision, or a family (its latest ACTIVE revision). */
export function resolveDaemonTaskDefinition(db: Db, scope: Scope, ref: string): DaemonTaskDefinition | undefined {
  let family = ref;
  let revision: number | undefined;
  if (ref.startsWith("arn:")) {
    const arn = parseArn(ref);
    if (!arn || arn.type !== "daemon-task-definition" || arn.account !== scope.account || arn.region !== scope.region) return undefined;
    family = arn.path.join("/");
  }
  const m = /^(.+):(\d+)$/.exec(family);
  if (m) [family, revision] = [m[1]!, Number(m[2])];
  else if (ref.startsWith("arn:")) return undefined;
  const row = (revision === undefined
    ? db.prepare("SELECT doc FROM daemon_task_definitions WHERE account = ? AND region = ? AND family = ? AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1").get(scope.account, scope.region, family)
    : db.prepare("SELECT doc FROM daemon_task_definitions WHERE account = ? AND region = ? AND family = ? AND revision = ?").get(scope.account, scope.region, family, revision)) as { doc: string } | undefined;
  return row ? revive(row.doc) : undefined;
}

/**
 * The task definition Berth's runner starts for a daemon task. Daemon tasks share their
 * instance's network (ECS runs them in host mode on managed instances); resources and the
 * containers are the daemon task definition's.
 */
export function runnableDefinition(d: DaemonTaskDefinition): TaskDefinition {
  return {
    taskDefinitionArn: d.daemonTaskDefinitionArn,
    family: d.family,
    revision: d.revision,
    status: "ACTIVE",
    networkMode: "host",
    requiresCompatibilities: ["EC2"],
    compatibilities: ["EC2"],
    cpu: d.cpu,
    memory: d.memory,
    executionRoleArn: d.executionRoleArn,
    taskRoleArn: d.taskRoleArn,
    volumes: (d.volumes ?? []).map((v) => ({ name: v.name, host: v.host })),
    containerDefinitions: (d.containerDefinitions ?? []).map((c) => ({ ...c, essential: c.essential ?? true })) as TaskDefinition["containerDefinitions"],
  };
}

function validate(input: RegisterDaemonTaskDefinitionRequest): void {
  if (!input.family || !FAMILY.test(input.family)) {
    throw clientException("Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.");
  }
  const containers = input.containerDefinitions ?? [];
  if (containers.length === 0) throw clientException("Container list cannot be empty.");
  if (containers.length > 10) throw clientException("Too many containers. The maximum number of containers per daemon task definition is 10.");
  const names = new Set<string>();
  for (const c of containers) {
    if (!c.name) throw clientException("Container.name should not be null or empty.");
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(c.name)) throw clientException("Container.name contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.");
    if (names.has(c.name)) throw clientException("Duplicate container names are not allowed.");
    names.add(c.name);
    if (!c.image) throw clientException("Container.image should not be null or empty.");
  }
  if (!containers.some((c) => c.essential !== false)) throw clientException("A daemon task definition must have at least one essential container.");
  for (const v of input.volumes ?? []) if (!v.name) throw clientException("Volume.name should not be null or empty.");
  for (const c of containers) {
    for (const mp of c.mountPoints ?? []) {
      if (mp.sourceVolume && !(input.volumes ?? []).some((v) => v.name === mp.sourceVolume)) throw clientException(`Invalid 'mountPoints' parameter: Unknown volume '${mp.sourceVolume}'.`);
    }
  }
  validateTags(input.tags);
}

const summary = (d: DaemonTaskDefinition): DaemonTaskDefinitionSummary => ({
  arn: d.daemonTaskDefinitionArn, registeredAt: d.registeredAt, registeredBy: d.registeredBy, status: d.status, deleteRequestedAt: d.deleteRequestedAt,
});

export function daemonTaskDefinitionHandlers({ db, clock }: EcsDeps): Record<string, Handler> {
  return {
    RegisterDaemonTaskDefinition: (input: RegisterDaemonTaskDefinitionRequest, ctx: RequestContext) => {
      validate(input);
      return db.transaction(() => {
        const last = db.prepare("SELECT max(revision) AS r FROM daemon_task_definitions WHERE account = ? AND region = ? AND family = ?").get(ctx.account, ctx.region, input.family) as { r: number | null };
        const revision = (last.r ?? 0) + 1;
        const arn = daemonTaskDefinitionArn(ctx, input.family!, revision);
        save(db, ctx, {
          daemonTaskDefinitionArn: arn, family: input.family, revision, status: "ACTIVE",
          containerDefinitions: input.containerDefinitions, cpu: input.cpu, memory: input.memory,
          executionRoleArn: input.executionRoleArn, taskRoleArn: input.taskRoleArn, volumes: input.volumes ?? [],
          registeredAt: clock.now(), registeredBy: ctx.principal?.arn ?? `arn:aws:iam::${ctx.account}:root`,
        });
        putTags(db, arn, input.tags ?? []);
        return { daemonTaskDefinitionArn: arn };
      })();
    },

    DescribeDaemonTaskDefinition: (input: DescribeDaemonTaskDefinitionRequest, ctx: RequestContext) => {
      const d = input.daemonTaskDefinition ? resolveDaemonTaskDefinition(db, ctx, input.daemonTaskDefinition) : undefined;
      if (!d) throw clientException("Unable to describe daemon task definition.");
      return { daemonTaskDefinition: d };
    },

    ListDaemonTaskDefinitions: (input: ListDaemonTaskDefinitionsRequest, ctx: RequestContext) => {
      if (input.family !== undefined && input.familyPrefix !== undefined) throw invalidParameter("family and familyPrefix cannot be specified together.");
      const status = input.status ?? "ACTIVE";
      if (!["ACTIVE", "DELETE_IN_PROGRESS", "ALL"].includes(status)) throw invalidParameter("status must be one of ACTIVE, DELETE_IN_PROGRESS, ALL.");
      if (input.sort !== undefined && !["ASC", "DESC"].includes(input.sort)) throw invalidParameter("sort must be one of ASC, DESC.");
      let all = (db.prepare("SELECT doc FROM daemon_task_definitions WHERE account = ? AND region = ? AND status != 'DELETED' ORDER BY family, revision").all(ctx.account, ctx.region) as Array<{ doc: string }>).map((r) => revive(r.doc));
      if (status !== "ALL") all = all.filter((d) => d.status === status);
      if (input.family !== undefined) all = all.filter((d) => d.family === input.family);
      if (input.familyPrefix !== undefined) all = all.filter((d) => d.family!.startsWith(input.familyPrefix!));
      if (input.revision === "LAST_REGISTERED") all = all.filter((d, i) => all[i + 1]?.family !== d.family);
      if (input.sort === "DESC") all.reverse();
      const { page, nextToken } = paginate(all, input);
      return { daemonTaskDefinitions: page.map(summary), nextToken };
    },

    DeleteDaemonTaskDefinition: (input: DeleteDaemonTaskDefinitionRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const ref = input.daemonTaskDefinition ?? "";
        // Deleting names one revision, as DeleteTaskDefinitions does: a bare family is not enough.
        if (!/:\d+$/.test(ref)) throw clientException("The specified daemon task definition identifier is invalid. Specify a valid name or ARN including a revision and try again.");
        const d = resolveDaemonTaskDefinition(db, ctx, ref);
        if (!d || d.status === "DELETED") throw clientException("The specified daemon task definition does not exist.");
        if (d.status === "ACTIVE") save(db, ctx, { ...d, status: "DELETE_IN_PROGRESS", deleteRequestedAt: clock.now() });
        return { daemonTaskDefinitionArn: d.daemonTaskDefinitionArn };
      })(),
  };
}
