import type { Db } from "../../store/database.js";
import type { Reservation } from "../instances/instance-resources.js";

/**
 * Which instance each EC2 task was placed on, and what it holds there. Written in RunTask's
 * transaction with the task; a task holds its reservation until it is STOPPED, and the row goes
 * with the task when the task is forgotten (ON DELETE CASCADE).
 */
export function savePlacement(db: Db, taskArn: string, instanceArn: string, r: Reservation): void {
  db.prepare("INSERT INTO task_placements (task_arn, instance_arn, cpu, memory, ports, ports_udp) VALUES (?, ?, ?, ?, ?, ?)")
    .run(taskArn, instanceArn, r.cpu, r.memory, JSON.stringify(r.ports), JSON.stringify(r.portsUdp));
}

export interface InstanceUsage {
  /** The instance's tasks that are not STOPPED: their task group and what each holds. */
  tasks: Array<{ arn: string; group?: string; reservation: Reservation }>;
  /** What the instance's tasks that are not STOPPED hold. */
  reservations: Reservation[];
  /** Tasks in RUNNING. */
  running: number;
  /** Tasks on their way to RUNNING (PROVISIONING, PENDING, ACTIVATING). */
  pending: number;
  /** Tasks that are not STOPPED, in any state. */
  active: number;
}

const empty = (): InstanceUsage => ({ tasks: [], reservations: [], running: 0, pending: 0, active: 0 });

/** Usage of each of `instanceArns`, from the tasks placed on them. */
export function instanceUsage(db: Db, instanceArns: string[]): Map<string, InstanceUsage> {
  const out = new Map<string, InstanceUsage>(instanceArns.map((a) => [a, empty()]));
  if (instanceArns.length === 0) return out;
  const rows = db
    .prepare(
      `SELECT p.instance_arn AS arn, p.task_arn AS task, json_extract(t.doc, '$.group') AS grp,
              p.cpu, p.memory, p.ports, p.ports_udp AS portsUdp, t.last_status AS status
       FROM task_placements p JOIN tasks t ON t.arn = p.task_arn
       WHERE t.last_status != 'STOPPED' AND p.instance_arn IN (SELECT value FROM json_each(?))
       ORDER BY t.seq`,
    )
    .all(JSON.stringify(instanceArns)) as Array<{ arn: string; task: string; grp: string | null; cpu: number; memory: number; ports: string; portsUdp: string; status: string }>;
  for (const r of rows) {
    const u = out.get(r.arn)!;
    const reservation = { cpu: r.cpu, memory: r.memory, ports: JSON.parse(r.ports) as number[], portsUdp: JSON.parse(r.portsUdp) as number[] };
    u.tasks.push({ arn: r.task, group: r.grp ?? undefined, reservation });
    u.reservations.push(reservation);
    u.active++;
    if (r.status === "RUNNING") u.running++;
    else if (["PROVISIONING", "PENDING", "ACTIVATING"].includes(r.status)) u.pending++;
  }
  return out;
}

/** The SQL condition (on `tasks.arn`) for ListTasks' containerInstance filter. */
export const ON_INSTANCE = "arn IN (SELECT task_arn FROM task_placements WHERE instance_arn = ?)";

/** The instance a task was placed on, if any (for the runner: which address publishes its ports). */
export function placementOf(db: Db, taskArn: string): string | undefined {
  const row = db.prepare("SELECT instance_arn AS arn FROM task_placements WHERE task_arn = ?").get(taskArn) as { arn: string } | undefined;
  return row?.arn;
}
