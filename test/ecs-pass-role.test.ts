import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as IAM from "@aws-sdk/client-iam";
import {
  ECSClient, CreateDaemonCommand, CreateExpressGatewayServiceCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand,
  ListServicesCommand, ListTaskDefinitionsCommand, ListTasksCommand, RegisterDaemonTaskDefinitionCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StartTaskCommand,
  StopTaskCommand,
} from "@aws-sdk/client-ecs";
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitForTask } from "./wait.js";

/**
 * iam:PassRole around ECS and Application Auto Scaling, with iamEnforcement: a call that hands a
 * role to a service (a task definition's task and execution roles, the roles a task is run with,
 * a service's role, an express service's roles, a scalable target's RoleARN) is refused, and
 * changes nothing, unless the caller may iam:PassRole each role to that service
 * (iam:PassedToService). Without the check, a user allowed ecs:RunTask could run a task with any
 * role of the account and read its credentials.
 */

const ACCOUNT = "000000000000";
type Creds = { accessKeyId: string; secretAccessKey: string };
const ROOT: Creds = { accessKeyId: "test", secretAccessKey: "test" };
const config = (endpoint: string, credentials: Creds) => ({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const trust = (service: string) => doc([{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }]);
const passTo = (service: string, roles: string[] | "*") => ({
  Effect: "Allow", Action: "iam:PassRole", Resource: roles === "*" ? "*" : roles.map(roleArn), Condition: { StringEquals: { "iam:PassedToService": service } },
});
const refused = (user: string, role: string) =>
  `User: ${userArn(user)} is not authorized to perform: iam:PassRole on resource: ${roleArn(role)} because no identity-based policy allows the iam:PassRole action`;

/** Rejects with AccessDeniedException naming iam:PassRole of `role` for `user`. */
async function refusesPassing(p: Promise<unknown>, user: string, role: string): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, "AccessDeniedException");
    assert.equal(err.message, refused(user, role));
    return true;
  });
}

/** What the ECS and IAM calls of these tests may do, besides passing roles. */
const ECS_CALLS = { Effect: "Allow", Action: ["ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:ListTaskDefinitions", "ecs:CreateService", "ecs:ListServices", "ecs:CreateExpressGatewayService", "ecs:StartTask", "ecs:CreateDaemon", "application-autoscaling:*"], Resource: "*" };

let berth: BerthProcess;
let root: ECSClient;
let iam: IAM.IAMClient;
const clients: Array<{ destroy(): void }> = [];
const keys = new Map<string, Creds>();

/** A user allowed the calls above and `passes`; its key. */
async function user(name: string, passes: object[]): Promise<Creds> {
  await iam.send(new IAM.CreateUserCommand({ UserName: name }));
  await iam.send(new IAM.PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: doc([ECS_CALLS, ...passes]) }));
  const key = (await iam.send(new IAM.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  keys.set(name, creds);
  return creds;
}
function ecsAs(name: string): ECSClient {
  const client = new ECSClient(config(berth.endpoint, keys.get(name)!));
  clients.push(client);
  return client;
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--iam-enforcement", "--instances", "1"] });
  root = new ECSClient(config(berth.endpoint, ROOT));
  iam = new IAM.IAMClient(config(berth.endpoint, ROOT));
  for (const name of ["app-task", "app-exec", "admin"]) await iam.send(new IAM.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust("ecs-tasks.amazonaws.com") }));
  for (const name of ["lb-role", "infra"]) await iam.send(new IAM.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust("ecs.amazonaws.com") }));
  await iam.send(new IAM.CreateRoleCommand({ RoleName: "scaler", AssumeRolePolicyDocument: trust("application-autoscaling.amazonaws.com") }));
  // None may pass a role; "tasks" may pass app-task and app-exec to ECS tasks only; "elsewhere"
  // may pass every role, but to EventBridge; "ecs" may pass lb-role and infra to ECS itself.
  await user("none", []);
  await user("tasks", [passTo("ecs-tasks.amazonaws.com", ["app-task", "app-exec"])]);
  await user("elsewhere", [passTo("events.amazonaws.com", "*")]);
  await user("ecs", [passTo("ecs.amazonaws.com", ["lb-role", "infra"]), passTo("ecs-tasks.amazonaws.com", ["app-exec"]), passTo("application-autoscaling.amazonaws.com", ["scaler"])]);
  // "fenced" may pass any role to ECS tasks but the admin role, which a Deny fences off.
  await user("fenced", [passTo("ecs-tasks.amazonaws.com", "*"), { Effect: "Deny", Action: "iam:PassRole", Resource: roleArn("admin") }]);
  // An administrator's definition whose task role is the powerful one.
  await root.send(new RegisterTaskDefinitionCommand({ family: "privileged", taskRoleArn: roleArn("admin"), containerDefinitions: [{ name: "app", image: TEST_IMAGE, command: ["sleep", "600"], memory: 64 }] }));
});
after(async () => {
  for (const c of clients) c.destroy();
  root?.destroy();
  iam?.destroy();
  await berth?.dispose();
});

const definition = (family: string, roles: { taskRoleArn?: string; executionRoleArn?: string }) => new RegisterTaskDefinitionCommand({
  family, ...roles, containerDefinitions: [{ name: "app", image: TEST_IMAGE, command: ["sleep", "600"], memory: 64, stopTimeout: 1 }],
});
const families = async () => (await root.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns?.map((a) => a.split("/").pop()) ?? [];

test("RegisterTaskDefinition needs iam:PassRole on its task and execution roles to ecs-tasks.amazonaws.com", async () => {
  await refusesPassing(ecsAs("none").send(definition("web", { taskRoleArn: roleArn("app-task") })), "none", "app-task");
  // A role given by name is the caller's account's role of that name.
  await refusesPassing(ecsAs("none").send(definition("web", { executionRoleArn: "app-exec" })), "none", "app-exec");
  // Allowed to pass every role, but to another service.
  await refusesPassing(ecsAs("elsewhere").send(definition("web", { taskRoleArn: roleArn("app-task") })), "elsewhere", "app-task");
  // Allowed the task role, not the execution role it names too.
  await refusesPassing(ecsAs("tasks").send(definition("web", { taskRoleArn: roleArn("app-task"), executionRoleArn: roleArn("admin") })), "tasks", "admin");
  // An explicit Deny wins over the Allow, with IAM's words for it.
  await assert.rejects(ecsAs("fenced").send(definition("web", { taskRoleArn: roleArn("admin") })), (err: Error) => err.name === "AccessDeniedException"
    && err.message === `User: ${userArn("fenced")} is not authorized to perform: iam:PassRole on resource: ${roleArn("admin")} with an explicit deny in an identity-based policy`);
  assert.deepEqual(await families(), ["privileged:1"], "a refused registration registers nothing");

  const made = await ecsAs("tasks").send(definition("web", { taskRoleArn: "app-task", executionRoleArn: roleArn("app-exec") }));
  assert.equal(made.taskDefinition?.taskRoleArn, "app-task");
  // A definition that names no role hands none over.
  await ecsAs("none").send(definition("plain", {}));
  assert.deepEqual((await families()).sort(), ["plain:1", "privileged:1", "web:1"]);
});

test("RunTask needs iam:PassRole on the roles the task runs with, its definition's or the overrides'", async () => {
  const tasks = async () => (await root.send(new ListTasksCommand({}))).taskArns ?? [];
  // The administrator's definition: running it hands over the admin role.
  await refusesPassing(ecsAs("none").send(new RunTaskCommand({ taskDefinition: "privileged" })), "none", "admin");
  await refusesPassing(ecsAs("tasks").send(new RunTaskCommand({ taskDefinition: "privileged:1" })), "tasks", "admin");
  await refusesPassing(ecsAs("elsewhere").send(new RunTaskCommand({ taskDefinition: "web" })), "elsewhere", "app-task");
  // An override hands over the role it names instead of the definition's.
  await refusesPassing(ecsAs("tasks").send(new RunTaskCommand({ taskDefinition: "web", overrides: { taskRoleArn: roleArn("admin") } })), "tasks", "admin");
  await refusesPassing(ecsAs("none").send(new RunTaskCommand({ taskDefinition: "plain", overrides: { executionRoleArn: "app-exec" } })), "none", "app-exec");
  // StartTask, on named container instances, likewise.
  await refusesPassing(ecsAs("tasks").send(new StartTaskCommand({ taskDefinition: "privileged", containerInstances: ["any"] })), "tasks", "admin");
  assert.deepEqual(await tasks(), [], "a refused RunTask or StartTask starts nothing");

  // Allowed to pass both of web's roles to ECS tasks: the task runs with them.
  const { tasks: started } = await ecsAs("tasks").send(new RunTaskCommand({ taskDefinition: "web" }));
  const arn = started![0]!.taskArn!;
  await waitForTask(root, "default", arn, "RUNNING");
  assert.deepEqual(await tasks(), [arn]);

  // The AWS CLI gets the same refusal.
  const cli = await promisify(execFile)("/usr/bin/aws", ["ecs", "run-task", "--task-definition", "privileged", "--endpoint-url", berth.endpoint, "--output", "json"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: keys.get("tasks")!.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.get("tasks")!.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
  }).then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /An error occurred \(AccessDeniedException\) when calling the RunTask operation/);
  assert.ok(cli.stderr.includes(refused("tasks", "admin")), cli.stderr);
  assert.deepEqual(await tasks(), [arn], "the refused CLI call started nothing");

  await root.send(new StopTaskCommand({ task: arn }));
  const stopped = (await root.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks![0]!;
  assert.equal(stopped.desiredStatus, "STOPPED");
  await waitForTask(root, "default", arn, "STOPPED");
});

test("CreateService needs iam:PassRole on the role it gives ECS, to ecs.amazonaws.com", async () => {
  const service = (serviceName: string) => new CreateServiceCommand({ serviceName, taskDefinition: "plain", desiredCount: 0, role: "lb-role" });
  await refusesPassing(ecsAs("tasks").send(service("api")), "tasks", "lb-role");
  await refusesPassing(ecsAs("elsewhere").send(service("api")), "elsewhere", "lb-role");
  assert.deepEqual((await root.send(new ListServicesCommand({}))).serviceArns, [], "a refused CreateService creates nothing");
  await ecsAs("ecs").send(service("api"));
  const [made] = (await root.send(new DescribeServicesCommand({ services: ["api"] }))).services!;
  assert.equal(made!.roleArn, roleArn("lb-role"));
});

test("CreateExpressGatewayService needs iam:PassRole on its task roles (ecs-tasks) and its infrastructure role (ecs)", async () => {
  const express = (cluster?: string) => new CreateExpressGatewayServiceCommand({
    serviceName: "site", executionRoleArn: roleArn("app-exec"), infrastructureRoleArn: roleArn("infra"), primaryContainer: { image: TEST_IMAGE }, ...(cluster ? { cluster } : {}),
  });
  // "tasks" may pass the execution role to ECS tasks, not the infrastructure role to ECS.
  await refusesPassing(ecsAs("tasks").send(express()), "tasks", "infra");
  await refusesPassing(ecsAs("none").send(express()), "none", "app-exec");
  // Both roles passed: the call gets past authorization to the cluster it names.
  await assert.rejects(ecsAs("ecs").send(express("nowhere")), (err: Error) => err.name === "ClusterNotFoundException");
  assert.deepEqual((await root.send(new ListServicesCommand({}))).serviceArns?.map((a) => a.split("/").pop()), ["api"], "the refused calls created no service");
});

test("RegisterScalableTarget needs iam:PassRole on its RoleARN to application-autoscaling.amazonaws.com", async () => {
  const scaling = (who: string) => {
    const client = new ApplicationAutoScalingClient(config(berth.endpoint, keys.get(who)!));
    clients.push(client);
    return client;
  };
  const register = new RegisterScalableTargetCommand({
    ServiceNamespace: "ecs", ResourceId: "service/default/api", ScalableDimension: "ecs:service:DesiredCount", MinCapacity: 0, MaxCapacity: 2, RoleARN: roleArn("scaler"),
  });
  await refusesPassing(scaling("tasks").send(register), "tasks", "scaler");
  await refusesPassing(scaling("elsewhere").send(register), "elsewhere", "scaler");
  const describe = new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs" });
  assert.deepEqual((await scaling("ecs").send(describe)).ScalableTargets, [], "a refused registration registers nothing");
  await scaling("ecs").send(register);
  assert.deepEqual((await scaling("ecs").send(describe)).ScalableTargets?.map((t) => t.ResourceId), ["service/default/api"]);
  // Without a RoleARN nothing is handed over: no PassRole is needed.
  await scaling("none").send(new RegisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: "service/default/api", ScalableDimension: "ecs:service:DesiredCount", MaxCapacity: 3 }));
});

test("CreateDaemon needs iam:PassRole on its daemon task definition's roles to ecs-tasks.amazonaws.com", async () => {
  const { daemonTaskDefinitionArn } = await root.send(new RegisterDaemonTaskDefinitionCommand({
    family: "agent", memory: "64", taskRoleArn: roleArn("admin"), containerDefinitions: [{ name: "agent", image: TEST_IMAGE, memory: 32 }],
  }));
  const daemon = new CreateDaemonCommand({ daemonName: "agent", clusterArn: "nowhere", daemonTaskDefinitionArn, capacityProviderArns: ["any"] });
  await refusesPassing(ecsAs("tasks").send(daemon), "tasks", "admin");
  await refusesPassing(ecsAs("elsewhere").send(daemon), "elsewhere", "admin");
  await assert.rejects(ecsAs("fenced").send(daemon), (err: Error) => err.name === "AccessDeniedException" && err.message.endsWith("with an explicit deny in an identity-based policy"));
  // Allowed to pass the admin role to ECS tasks: the call gets past authorization to the cluster it names.
  await user("ops", [passTo("ecs-tasks.amazonaws.com", ["admin"])]);
  await assert.rejects(ecsAs("ops").send(daemon), (err: Error) => err.name === "ClusterNotFoundException");
});
