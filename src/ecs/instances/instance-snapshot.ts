import type { InstanceSnapshot, InstanceStatus } from "../../scheduler/index.js";
import type { Db } from "../../store/database.js";
import type { StoredInstance } from "./instance-store.js";
import { instanceAttributes } from "./instance-store.js";
import { capacityOf, remainingOf } from "./instance-resources.js";
import { instanceUsage } from "../tasks/task-placements.js";

/**
 * Stored instances in the scheduler's own terms (src/scheduler reads snapshots and never the
 * store). ListContainerInstances' filter evaluates the cluster query language over these, and
 * placement will read the same snapshots when RunTask moves to planPlacement.
 */
export function instanceSnapshots(db: Db, stored: StoredInstance[]): Array<InstanceSnapshot & { stored: StoredInstance }> {
  const usage = instanceUsage(db, stored.map((s) => s.instance.containerInstanceArn!));
  return stored.map((s) => {
    const i = s.instance;
    const arn = i.containerInstanceArn!;
    const u = usage.get(arn)!;
    const registered = capacityOf(i.registeredResources);
    return {
      stored: s,
      id: arn.split("/").pop()!,
      arn,
      ec2InstanceId: i.ec2InstanceId,
      status: i.status as InstanceStatus,
      agentConnected: i.agentConnected ?? false,
      agentVersion: i.versionInfo?.agentVersion,
      launchType: "EC2",
      registeredAt: i.registeredAt ?? 0,
      registered: { cpu: registered.cpu, memory: registered.memory },
      remaining: remainingOf(registered, u.reservations),
      attributes: instanceAttributes(db, arn).map((a) => ({ name: a.name!, value: a.value })),
      tasks: u.tasks.map((t) => ({ arn: t.arn, group: t.group, cpu: t.reservation.cpu, memory: t.reservation.memory })),
      runningTasksCount: u.running,
    };
  });
}
