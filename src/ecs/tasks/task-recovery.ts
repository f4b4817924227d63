import type { Task } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Logger } from "../../core/logger.js";
import { parseArn } from "../../core/arn.js";
import type { LaunchSpec, StopCode, TaskRunner } from "../../agent/protocol/task-runner.js";
import { awaitsDrain } from "./task-store.js";
import { definitionOfTask } from "./definition-of-task.js";

/**
 * At start-up, hands the runner every task the store believes is not STOPPED, so it can adopt
 * running containers and report vanished ones; then re-issues stops that were asked for before
 * the restart but not finished.
 */
export async function recoverTasks(db: Db, runner: TaskRunner, log: Logger): Promise<void> {
  const tasks = (db.prepare("SELECT doc FROM tasks WHERE last_status != 'STOPPED' ORDER BY seq").all() as Array<{ doc: string }>).map(
    (r) => JSON.parse(r.doc) as Task,
  );
  const specs: LaunchSpec[] = [];
  for (const task of tasks) {
    // Waiting for a capacity provider's instance: nothing ran yet; the capacity scaler places it.
    if (task.launchType === "EC2" && task.capacityProviderName && !task.containerInstanceArn && task.desiredStatus !== "STOPPED") continue;
    const arn = parseArn(task.taskArn!)!;
    const def = definitionOfTask(db, { account: arn.account, region: arn.region }, task.taskDefinitionArn!);
    if (def) specs.push({ task, taskDefinition: def });
    else log.warn({ taskArn: task.taskArn }, "task's definition is gone; cannot recover it");
  }
  const retained = (db.prepare("SELECT arn FROM tasks WHERE last_status = 'STOPPED'").all() as Array<{ arn: string }>).map((r) => r.arn);
  await runner.recover(specs, retained);
  for (const { task } of specs) {
    // A task held in DEACTIVATING while its targets drain is stopped by the service scheduler.
    if (task.desiredStatus === "STOPPED" && !awaitsDrain(task)) runner.stop(task.taskArn!, { stopCode: (task.stopCode ?? "UserInitiated") as StopCode, reason: task.stoppedReason ?? "Task stopped by user" });
  }
  log.info({ recovered: specs.length }, "tasks recovered");
}
