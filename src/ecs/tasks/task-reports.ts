import type { Container, Task } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Logger } from "../../core/logger.js";
import type { TaskReport, TaskStatus } from "../../agent/protocol/task-runner.js";
import { findTask, saveTask, type StoredTask } from "./task-store.js";
import { parseArn } from "../../core/arn.js";
import { followContainer } from "../execute-command/managed-agent.js";

const order: TaskStatus[] = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"];
const rank = (s: string | undefined) => order.indexOf((s ?? "PROVISIONING") as TaskStatus);

/**
 * Applies one report from a task's manager to the stored task, in one transaction.
 * lastStatus only moves forward; each step sets the timestamp ECS sets for it; a task that
 * stops on its own gets desiredStatus STOPPED, and a user's stopCode is never overwritten.
 */
export function applyReport(db: Db, log: Logger, report: TaskReport): Task | undefined {
  return db.transaction(() => {
    const task = findTask(db, report.taskArn);
    if (!task) {
      log.debug({ taskArn: report.taskArn }, "report for a task that no longer exists");
      return undefined;
    }
    const next: Task = { ...task, version: (task.version ?? 0) + 1 };
    const at = report.at;
    if (report.pullStartedAt) next.pullStartedAt = report.pullStartedAt;
    if (report.pullStoppedAt) next.pullStoppedAt = report.pullStoppedAt;
    if (report.healthStatus) next.healthStatus = report.healthStatus;
    if (report.stopCode && !task.stopCode) {
      next.stopCode = report.stopCode;
      next.stoppedReason = report.stoppedReason;
    }
    if (report.stopCode) next.desiredStatus = "STOPPED";
    if (report.stoppedWhileDown) (next as StoredTask).stoppedWhileDown = true;
    if (report.privateIPv4Address) setAddress(next, report.privateIPv4Address);
    if (report.containers) next.containers = mergeContainers(next, report);

    if (report.lastStatus && rank(report.lastStatus) > rank(task.lastStatus)) {
      next.lastStatus = report.lastStatus;
      const r = rank(report.lastStatus);
      if (r >= rank("PENDING") && !next.connectivity) {
        next.connectivity = "CONNECTED";
        next.connectivityAt = at;
      }
      if (report.lastStatus === "RUNNING") next.startedAt ??= at;
      if (r >= rank("STOPPING")) next.stoppingAt ??= at;
      if (r >= rank("DEPROVISIONING")) next.executionStoppedAt ??= at;
      if (report.lastStatus === "STOPPED") {
        next.stoppedAt = at;
        next.desiredStatus = "STOPPED";
        for (const a of next.attachments ?? []) a.status = "DELETED";
      }
    }
    saveTask(db, scopeOf(task), next);
    return next;
  })();
}

function mergeContainers(task: Task, report: TaskReport): Container[] {
  return (task.containers ?? []).map((c) => {
    const r = report.containers!.find((x) => x.name === c.name);
    if (!r) return c;
    const merged: Container = { ...c };
    if (r.lastStatus) merged.lastStatus = r.lastStatus;
    if (r.runtimeId) merged.runtimeId = r.runtimeId;
    if (r.imageDigest) merged.imageDigest = r.imageDigest;
    if (r.exitCode !== undefined) merged.exitCode = r.exitCode;
    if (r.reason !== undefined) merged.reason = r.reason;
    if (r.healthStatus) merged.healthStatus = r.healthStatus;
    if (r.networkBindings) merged.networkBindings = r.networkBindings;
    if (merged.managedAgents) merged.managedAgents = followContainer(merged, report.at);
    return merged;
  });
}

/** awsvpc: the ENI gets its address and is ATTACHED; every container shows the interface. */
function setAddress(task: Task, ip: string) {
  const eni = task.attachments?.find((a) => a.type === "ElasticNetworkInterface");
  if (!eni) return;
  eni.status = "ATTACHED";
  const details = (eni.details ?? []).filter((d) => d.name !== "privateIPv4Address" && d.name !== "privateDnsName");
  details.push({ name: "privateDnsName", value: `ip-${ip.replace(/\./g, "-")}.ec2.internal` }, { name: "privateIPv4Address", value: ip });
  eni.details = details;
  for (const c of task.containers ?? []) c.networkInterfaces = [{ attachmentId: eni.id, privateIpv4Address: ip }];
}

function scopeOf(task: Task) {
  const arn = parseArn(task.taskArn!)!;
  return { account: arn.account, region: arn.region };
}
