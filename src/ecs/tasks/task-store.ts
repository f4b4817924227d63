import type { Task } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { parseArn, taskArn, type Scope } from "../../core/arn.js";
import { emitTaskStateChange } from "./task-events.js";

/** Tasks as stored: the wire document plus the columns ListTasks and the janitor filter on. */
/**
 * The stored task document: ECS's Task, plus what only Berth needs. Members the model does not
 * know never reach an answer (serialization walks the model's shape).
 */
export type StoredTask = Task & {
  /** Stopped by start-up recovery (TaskReport.stoppedWhileDown): the circuit breaker does not count it. */
  stoppedWhileDown?: boolean;
  /** A service task's load balancer registration (service-targets.ts). */
  loadBalancerTargets?: TaskTargets;
};

/** The targets a service task registered, and how far its deregistration got. */
export interface TaskTargets {
  targets: Array<{ targetGroupArn: string; id: string; port: number }>;
  /** Deregistered: its targets drain, or have drained. */
  deregistered?: boolean;
  /** Held in DEACTIVATING until then (epoch ms); cleared once the stop is sent. */
  drainUntil?: number;
}

/**
 * A task held in DEACTIVATING while its targets drain (or about to be, once the service
 * scheduler deregisters it): its stop is sent by the scheduler, not at once.
 */
export const awaitsDrain = (t: StoredTask) =>
  t.loadBalancerTargets !== undefined && (t.lastStatus === "RUNNING" || t.lastStatus === "DEACTIVATING") && (!t.loadBalancerTargets.deregistered || t.loadBalancerTargets.drainUntil !== undefined);

export function findTask(db: Db, arn: string): Task | undefined {
  const row = db.prepare("SELECT doc FROM tasks WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row ? reviveTask(JSON.parse(row.doc) as Task) : undefined;
}

export function saveTask(db: Db, scope: Scope, task: Task): void {
  const before = db.prepare("SELECT desired_status AS desired, last_status AS last FROM tasks WHERE arn = ?").get(task.taskArn) as { desired: string; last: string } | undefined;
  db.prepare(
    `INSERT INTO tasks (arn, account, region, cluster_arn, family, started_by, launch_type, desired_status, last_status, seq, stopped_at, doc)
     VALUES (@arn, @account, @region, @cluster, @family, @startedBy, @launchType, @desired, @last, (SELECT coalesce(max(seq), 0) + 1 FROM tasks), @stoppedAt, @doc)
     ON CONFLICT (arn) DO UPDATE SET desired_status = excluded.desired_status, last_status = excluded.last_status,
       stopped_at = excluded.stopped_at, doc = excluded.doc`,
  ).run({
    arn: task.taskArn,
    account: scope.account,
    region: scope.region,
    cluster: task.clusterArn,
    family: familyOf(task.taskDefinitionArn!),
    startedBy: task.startedBy ?? null,
    launchType: task.launchType,
    desired: task.desiredStatus,
    last: task.lastStatus,
    stoppedAt: task.stoppedAt ? task.stoppedAt.getTime() : null,
    doc: JSON.stringify(task),
  });
  // EventBridge's "ECS Task State Change" on every change of lastStatus or desiredStatus, in this transaction.
  if (!before || before.desired !== task.desiredStatus || before.last !== task.lastStatus) emitTaskStateChange(db, scope, task);
}

export const familyOf = (taskDefinitionArn: string) => taskDefinitionArn.split("/").pop()!.replace(/:\d+$/, "");

const dateFields = ["createdAt", "pullStartedAt", "pullStoppedAt", "startedAt", "stoppingAt", "stoppedAt", "executionStoppedAt", "connectivityAt"] as const;

/** JSON has no dates: bring the timestamps back. */
function reviveTask(task: Task): Task {
  for (const f of dateFields) if (task[f]) task[f] = new Date(task[f] as unknown as string);
  return task;
}

/**
 * The ARN a `task` parameter names, given the request's cluster: a task id, a long-format ARN
 * (task/<cluster>/<id>) or a short one (task/<id>). Undefined when it cannot name a task there.
 */
export function taskArnOf(scope: Scope, clusterName: string, ref: string): string | undefined {
  if (/^[a-f0-9]{32}$/.test(ref)) return taskArn(scope, clusterName, ref);
  const arn = parseArn(ref);
  if (!arn || arn.service !== "ecs" || arn.type !== "task" || arn.account !== scope.account || arn.region !== scope.region) return undefined;
  if (arn.path.length === 1 && /^[a-f0-9]{32}$/.test(arn.path[0]!)) return taskArn(scope, clusterName, arn.path[0]!);
  if (arn.path.length === 2 && arn.path[0] === clusterName && /^[a-f0-9]{32}$/.test(arn.path[1]!)) return ref;
  return undefined;
}
