import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Principal } from "../../aws/request-context.js";
import { parseArn } from "../../core/arn.js";
import { roleArnOf } from "../../iam/pass-role.js";

/**
 * The permissions of a task's execution role, which ECS's agent uses to pull images from ECR,
 * fetch secrets and send awslogs output. Berth's control plane does those things for its agents
 * (launch-resources.ts says why), so with iamEnforcement on it asks this, for each of them,
 * whether the role's identity policies allow it (src/sts/execution-role-gate.ts implements it
 * over IAM). Off (no gate), or for a task without an execution role (its EC2 instance's own
 * identity would do these on ECS; Berth's instance is Berth), nothing is refused.
 */
export interface ExecutionRolePermissions {
  /** undefined when allowed; else the AccessDeniedException message AWS gives the role's session. */
  denial(action: string, resource: string): string | undefined;
  /** The role's session for the task, when the role can be assumed: its registry passwords are issued to it. */
  principal?: Principal;
}

/** The permissions of a task's execution role; undefined when nothing is gated for it. */
export type ExecutionRoleGate = (task: { taskArn: string; executionRoleArn: string | undefined }) => ExecutionRolePermissions | undefined;

/** The execution role a task runs with, by ARN: RunTask's override, else its definition's (a role named without ARN is the task's account's). */
export function executionRoleOf(task: Task, def: TaskDefinition): string | undefined {
  const role = task.overrides?.executionRoleArn ?? def.executionRoleArn;
  return role && roleArnOf(role, parseArn(task.taskArn ?? "")?.account ?? "");
}
