import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";

/** The last part of a name-or-ARN (a cluster named by ARN: its name). */
const nameOf = (ref: string) => (ref.startsWith("arn:") ? ref.slice(ref.lastIndexOf("/") + 1) : ref);
const clusterArn = ({ arn }: AuthorizedCall, ref: string) => (ref.startsWith("arn:") ? ref : arn(`cluster/${ref}`));
/** A service, task or container instance of the call's cluster (`default` when none is named), by name, id or ARN. */
const inCluster = (call: AuthorizedCall, type: string, ref: string) => (ref.startsWith("arn:") ? ref : call.arn(`${type}/${nameOf(call.str("cluster") ?? "default")}/${ref}`));

const cluster = (call: AuthorizedCall) => [clusterArn(call, call.str("cluster") ?? "default")];
const named = (type: string, member: string) => (call: AuthorizedCall) => [inCluster(call, type, call.str(member) ?? "")];
const listed = (type: string, member: string) => (call: AuthorizedCall) => call.list(member).map((ref) => inCluster(call, type, ref));

/** family, family:revision or an ARN; a bare family is its latest ACTIVE revision, as RunTask resolves it. */
function taskDefinition(call: AuthorizedCall): string[] {
  const ref = call.str("taskDefinition") ?? "";
  if (ref.startsWith("arn:")) return [ref];
  if (ref.includes(":")) return [call.arn(`task-definition/${ref}`)];
  const row = call.db.prepare("SELECT arn FROM task_definitions WHERE account = ? AND region = ? AND family = ? AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1")
    .get(call.ctx.account, call.ctx.region, ref) as { arn: string } | undefined;
  return [row?.arn ?? call.arn(`task-definition/${ref}`)];
}

/**
 * Amazon ECS (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html):
 * cluster actions on the cluster's ARN, service, task and container-instance actions on each one
 * named (in the call's cluster), RunTask and StartTask on the task definition. On "*":
 * RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition and the List* calls
 * but ListServices (AWS scopes ListTasks and UpdateContainerInstancesState by container instance,
 * which Berth does not).
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
    StopTask: named("task", "task"),
    DescribeTasks: listed("task", "tasks"),
    DescribeContainerInstances: listed("container-instance", "containerInstances"),
    RunTask: taskDefinition,
    StartTask: taskDefinition,
  },
};
