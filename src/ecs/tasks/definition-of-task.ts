import type { TaskDefinition } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { resolveDaemonTaskDefinition, runnableDefinition } from "../daemons/daemon-task-definitions.js";

/**
 * The definition a stored task runs, by its taskDefinitionArn: a task definition, or for a
 * daemon's task the daemon task definition as the runner starts it (recovery, logs and remote
 * agents read tasks of both kinds).
 */
export function definitionOfTask(db: Db, scope: Scope, taskDefinitionArn: string): TaskDefinition | undefined {
  if (taskDefinitionArn.includes(":daemon-task-definition/")) {
    const daemon = resolveDaemonTaskDefinition(db, scope, taskDefinitionArn);
    return daemon ? runnableDefinition(daemon) : undefined;
  }
  return resolveTaskDefinition(db, scope, taskDefinitionArn);
}
