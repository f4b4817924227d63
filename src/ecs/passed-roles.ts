import type { TaskDefinition, TaskOverride } from "@aws-sdk/client-ecs";
import type { AuthorizedCall, DependentAction } from "../iam/service-authorization.js";
import { PASSED_TO, passRoles } from "../iam/pass-role.js";
import { resolveTaskDefinition } from "./task-definitions/task-definition-store.js";
import { resolveDaemonTaskDefinition } from "./daemons/daemon-task-definitions.js";

/** The task and execution roles a task runs with: the overrides' where given, else its definition's. */
export const rolesTaskRunsWith = (def: Pick<TaskDefinition, "taskRoleArn" | "executionRoleArn"> | undefined, overrides?: Pick<TaskOverride, "taskRoleArn" | "executionRoleArn">) =>
  [overrides?.taskRoleArn ?? def?.taskRoleArn, overrides?.executionRoleArn ?? def?.executionRoleArn];

const object = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const objects = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(object) : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Roles to the task (ecs-tasks.amazonaws.com), a role name in the caller's account. */
const toTasks = (call: AuthorizedCall, roles: Array<string | undefined>) => passRoles(PASSED_TO.ecsTasks, roles, call.ctx.account);
/** Roles to ECS itself (ecs.amazonaws.com). */
const toEcs = (call: AuthorizedCall, roles: Array<string | undefined>) => passRoles(PASSED_TO.ecs, roles, call.ctx.account);

/**
 * RunTask and StartTask hand the task the roles it will run with: its definition's task and
 * execution roles, or the overrides'. A definition that does not resolve has none (the handler
 * then refuses the call).
 */
function launchedTask(call: AuthorizedCall): DependentAction[] {
  const ref = call.str("taskDefinition");
  const def = ref === undefined ? undefined : resolveTaskDefinition(call.db, call.ctx, ref);
  return toTasks(call, rolesTaskRunsWith(def, object(call.input["overrides"])));
}

/**
 * The roles CreateService and UpdateService hand to ECS: the service's load-balancer role
 * (`role`), each blue/green load balancer's advancedConfiguration roleArn, each lifecycle hook's
 * roleArn, each managed EBS volume's and VPC Lattice configuration's roleArn.
 */
function serviceRoles(call: AuthorizedCall): DependentAction[] {
  const { input } = call;
  return toEcs(call, [
    call.str("role"),
    ...objects(input["loadBalancers"]).map((lb) => str(object(lb["advancedConfiguration"])["roleArn"])),
    ...objects(object(input["deploymentConfiguration"])["lifecycleHooks"]).map((h) => str(h["roleArn"])),
    ...objects(input["volumeConfigurations"]).map((v) => str(object(v["managedEBSVolume"])["roleArn"])),
    ...objects(input["vpcLatticeConfigurations"]).map((v) => str(v["roleArn"])),
  ]);
}

/** CreateDaemon and UpdateDaemon hand the daemon's tasks its daemon task definition's roles. */
function daemonTasks(call: AuthorizedCall): DependentAction[] {
  const ref = call.str("daemonTaskDefinitionArn");
  const def = ref === undefined ? undefined : resolveDaemonTaskDefinition(call.db, call.ctx, ref);
  return toTasks(call, rolesTaskRunsWith(def));
}

/**
 * iam:PassRole of the roles each ECS call hands over, at the call that hands them over (the
 * Service Authorization Reference's dependent actions): task and execution roles to
 * ecs-tasks.amazonaws.com when a task definition is registered and when a task is run or started
 * with them (overrides included), the express service's task roles and its infrastructure role
 * (ecs.amazonaws.com), the roles a service gives ECS, a daemon's task roles.
 */
export const ecsPassedRoles: Record<string, (call: AuthorizedCall) => DependentAction[]> = {
  RegisterTaskDefinition: (call) => toTasks(call, [call.str("taskRoleArn"), call.str("executionRoleArn")]),
  RunTask: launchedTask,
  StartTask: launchedTask,
  CreateService: serviceRoles,
  UpdateService: serviceRoles,
  CreateExpressGatewayService: (call) => [...toTasks(call, [call.str("executionRoleArn"), call.str("taskRoleArn")]), ...toEcs(call, [call.str("infrastructureRoleArn")])],
  UpdateExpressGatewayService: (call) => toTasks(call, [call.str("executionRoleArn"), call.str("taskRoleArn")]),
  CreateDaemon: daemonTasks,
  UpdateDaemon: daemonTasks,
};
