import type { ContainerInstance, Task } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";

/**
 * Which container instances are run by a `berth agent` process rather than the server's own
 * engine. The agent's versionInfo.agentHash says so (it is the agent build that registered),
 * which keeps the mark in the stored document and needs no schema change.
 */
export const REMOTE_AGENT_HASH = "berth-agent";

export const isRemote = (i: ContainerInstance | undefined) => i?.versionInfo?.agentHash === REMOTE_AGENT_HASH;

export interface RemoteRow {
  arn: string;
  instance: ContainerInstance;
}

/** Every registered remote instance, in any account and region. */
export function remoteInstances(db: Db): RemoteRow[] {
  const rows = db.prepare("SELECT arn, doc FROM container_instances WHERE status != 'INACTIVE'").all() as Array<{ arn: string; doc: string }>;
  return rows.map((r) => ({ arn: r.arn, instance: JSON.parse(r.doc) as ContainerInstance })).filter((r) => isRemote(r.instance));
}

/** Tasks placed on `instanceArn`, oldest first; `live` limits them to those not STOPPED. */
export function tasksOnInstance(db: Db, instanceArn: string, live: boolean): Task[] {
  const rows = db
    .prepare(`SELECT doc FROM tasks WHERE json_extract(doc, '$.containerInstanceArn') = ? ${live ? "AND last_status != 'STOPPED'" : ""} ORDER BY seq`)
    .all(instanceArn) as Array<{ doc: string }>;
  return rows.map((r) => JSON.parse(r.doc) as Task);
}

/** The container instance a stored task was placed on, if any. */
export function instanceOfTask(db: Db, taskArn: string): string | undefined {
  const row = db.prepare("SELECT json_extract(doc, '$.containerInstanceArn') AS i FROM tasks WHERE arn = ?").get(taskArn) as { i: string | null } | undefined;
  return row?.i ?? undefined;
}
