import { parseArn, type Scope } from "../core/arn.js";
import type { Db } from "../store/database.js";
import type { AuthorizedCall, DependentAction, ServiceAuthorization } from "../iam/service-authorization.js";
import { requestTagContext } from "../iam/request-tags.js";
import { findTask } from "./tasks/task-store.js";
import { effectiveSetting } from "./account-settings/account-settings.js";
import { ecsPassedRoles } from "./passed-roles.js";

/** The last part of a name-or-ARN (a cluster named by ARN: its name). */
const nameOf = (ref: string) => (ref.startsWith("arn:") ? ref.slice(ref.lastIndexOf("/") + 1) : ref);

/**
 * An ECS resource ARN as the handlers read it, spelled as its resource's own ARN: the handlers
 * take an ARN by its account, region and path whatever its partition, and a service, task or
 * container instance ARN of the old format (no cluster: `task/ID`) as one in the call's cluster.
 * Evaluating the ARN as the caller spelled it would let `arn:aws-cn:...` or `service/NAME` slip
 * past a policy written for `arn:aws:ecs:...:service/CLUSTER/NAME`. An ARN of another service or
 * type is kept as given: the handler refuses it.
 */
function ownArn(call: AuthorizedCall, type: string, ref: string): string {
  const arn = parseArn(ref);
  if (!arn || arn.service !== "ecs" || arn.type !== type) return ref;
  const path = type !== "cluster" && arn.path.length === 1 ? [nameOf(call.str("cluster") ?? "default"), ...arn.path] : arn.path;
  return `arn:aws:ecs:${arn.region}:${arn.account}:${type}/${path.join("/")}`;
}
const clusterArn = (call: AuthorizedCall, ref: string) => (ref.startsWith("arn:") ? ownArn(call, "cluster", ref) : call.arn(`cluster/${ref}`));
/** A service, task or container instance of the call's cluster (`default` when none is named), by name, id or ARN. */
const inCluster = (call: AuthorizedCall, type: string, ref: string) => (ref.startsWith("arn:") ? ownArn(call, type, ref) : call.arn(`${type}/${nameOf(call.str("cluster") ?? "default")}/${ref}`));

const cluster = (call: AuthorizedCall) => [clusterArn(call, call.str("cluster") ?? "default")];
const named = (type: string, member: string) => (call: AuthorizedCall) => [inCluster(call, type, call.str(member) ?? "")];
const listed = (type: string, member: string) => (call: AuthorizedCall) => call.list(member).map((ref) => inCluster(call, type, ref));

/**
 * The ARN RunTask is authorized on for a task definition given as family, family:revision or an
 * ARN of either; a family without a revision (bare or in an ARN) is its latest ACTIVE revision, as
 * RunTask resolves it, so a policy on `web:*` covers every spelling. `scope` is where a bare name
 * lives (the call's, or an EventBridge target's cluster's account and region).
 */
export function taskDefinitionResource(db: Db, scope: Scope, given: string): string {
  const arn = given.startsWith("arn:") ? parseArn(given) : undefined;
  // An ARN the handler would not take (another type, or a path it cannot read) is kept as given.
  if (given.startsWith("arn:") && (!arn || arn.service !== "ecs" || arn.type !== "task-definition" || arn.path.length !== 1)) return given;
  const ref = arn ? arn.path[0]! : given;
  const own = (path: string) => `arn:aws:ecs:${arn?.region ?? scope.region}:${arn?.account ?? scope.account}:task-definition/${path}`;
  if (ref.includes(":")) return own(ref);
  if (arn && (arn.account !== scope.account || arn.region !== scope.region)) return given;
  const row = db.prepare("SELECT arn FROM task_definitions WHERE account = ? AND region = ? AND family = ? AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1")
    .get(scope.account, scope.region, ref) as { arn: string } | undefined;
  return row?.arn ?? own(ref);
}

const taskDefinition = (call: AuthorizedCall) => [taskDefinitionResource(call.db, call.ctx, call.str("taskDefinition") ?? "")];

/**
 * ExecuteCommand's condition keys: ecs:cluster and ecs:task (ARNs) and ecs:container-name, the
 * container named, or the task's only one when none is (the container the command would run in).
 */
function executeCommandKeys(call: AuthorizedCall): Record<string, string | undefined> {
  const task = inCluster(call, "task", call.str("task") ?? "");
  let container = call.str("container");
  if (container === undefined) {
    const containers = findTask(call.db, task)?.containers ?? [];
    if (containers.length === 1) container = containers[0]!.name;
  }
  return { "ecs:cluster": cluster(call)[0], "ecs:task": task, "ecs:container-name": container };
}

/** The operations that create a resource with tags (the Developer Guide's "tag-on create" actions). */
const TAG_ON_CREATE = ["CreateCapacityProvider", "CreateCluster", "CreateService", "CreateTaskSet", "RegisterContainerInstance", "RegisterTaskDefinition", "RunTask", "StartTask"];

/**
 * Tagging authorization: a tag-on-create call that gives tags also needs ecs:TagResource, with
 * ecs:CreateAction naming the call, while the caller's tagResourceAuthorization account setting is
 * on (AWS's default). It is evaluated on the ARN of the resource created when its name makes it
 * known before the call (a cluster, service or capacity provider), else on "*".
 */
function tagOnCreate(op: string) {
  return (call: AuthorizedCall): DependentAction[] => {
    const tags = call.input["tags"];
    if (!Array.isArray(tags) || tags.length === 0) return [];
    if (effectiveSetting(call.db, call.ctx, "tagResourceAuthorization").value !== "on") return [];
    const created = op === "CreateCluster" ? clusterArn(call, call.str("clusterName") ?? "default")
      : op === "CreateService" ? named("service", "serviceName")(call)[0]!
      : op === "CreateCapacityProvider" ? call.arn(`capacity-provider/${call.str("name") ?? ""}`)
      : "*";
    return [{ action: "ecs:TagResource", resource: created, context: { ...requestTagContext(call.input), "ecs:CreateAction": op } }];
  };
}

/**
 * Amazon ECS (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html):
 * cluster actions on the cluster's ARN, service, task and container-instance actions on each one
 * named (in the call's cluster), service deployments and revisions on theirs (ListServiceDeployments
 * on the service), express gateway services on their service, RunTask and StartTask on the task definition. On "*":
 * RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition and the List* calls
 * but ListServices (AWS scopes ListTasks and UpdateContainerInstancesState by container instance,
 * which Berth does not). Dependent actions: iam:PassRole of the roles a call hands over
 * (passed-roles.ts), then ecs:TagResource of a tag-on-create call's tags.
 */
export const ecsAuthorization: ServiceAuthorization = {
  arnService: "ecs",
  resources: {
    CreateCluster: (call) => [clusterArn(call, call.str("clusterName") ?? "default")],
    ...Object.fromEntries(["DeleteCluster", "UpdateCluster", "UpdateClusterSettings", "PutClusterCapacityProviders", "RegisterContainerInstance", "ListServices"]
      .map((op) => [op, cluster])),
    DescribeClusters: (call) => (call.list("clusters").length ? call.list("clusters") : ["default"]).map((ref) => clusterArn(call, ref)),
    CreateService: named("service", "serviceName"),
    UpdateService: named("service", "service"),
    DeleteService: named("service", "service"),
    DescribeServices: listed("service", "services"),
    ListServiceDeployments: named("service", "service"),
    DescribeServiceDeployments: (call) => call.list("serviceDeploymentArns"),
    StopServiceDeployment: (call) => [call.str("serviceDeploymentArn") ?? "*"],
    DescribeServiceRevisions: (call) => call.list("serviceRevisionArns"),
    // Task set operations are scoped by their service's ARN (AWS scopes some by the task set's).
    ...Object.fromEntries(["CreateTaskSet", "UpdateTaskSet", "DeleteTaskSet", "DescribeTaskSets", "UpdateServicePrimaryTaskSet"].map((op) => [op, named("service", "service")])),
    // Express services on the service they are: named by ARN, or (Create) by cluster and name; a generated name is not known yet: "*".
    CreateExpressGatewayService: (call) => (call.str("serviceName") ? named("service", "serviceName")(call) : ["*"]),
    ...Object.fromEntries(["DescribeExpressGatewayService", "UpdateExpressGatewayService", "DeleteExpressGatewayService"]
      .map((op) => [op, (call: AuthorizedCall) => [inCluster(call, "service", call.str("serviceArn") ?? "")]])),
    StopTask: named("task", "task"),
    DescribeTasks: listed("task", "tasks"),
    DescribeContainerInstances: listed("container-instance", "containerInstances"),
    // Daemons on their own ARNs (CreateDaemon on the one it creates), their deployments and
    // revisions on theirs; the daemon task definition operations and ListDaemons on "*".
    CreateDaemon: (call) => [call.arn(`daemon/${nameOf(call.str("clusterArn") ?? "default")}/${call.str("daemonName") ?? ""}`)],
    ...Object.fromEntries(["UpdateDaemon", "DeleteDaemon", "DescribeDaemon", "ListDaemonDeployments"].map((op) => [op, (call: AuthorizedCall) => [call.str("daemonArn") ?? "*"]])),
    DescribeDaemonDeployments: (call) => call.list("daemonDeploymentArns"),
    DescribeDaemonRevisions: (call) => call.list("daemonRevisionArns"),
    RunTask: taskDefinition,
    StartTask: taskDefinition,
    // On the cluster and the task, as the Service Authorization Reference lists it.
    ExecuteCommand: (call) => [...cluster(call), ...named("task", "task")(call)],
  },
  conditions: { ExecuteCommand: executeCommandKeys },
  dependentActions: Object.fromEntries([...new Set([...TAG_ON_CREATE, ...Object.keys(ecsPassedRoles)])].map((op) => [op, (call: AuthorizedCall) => [
    ...(ecsPassedRoles[op]?.(call) ?? []),
    ...(TAG_ON_CREATE.includes(op) ? tagOnCreate(op)(call) : []),
  ]])),
};
