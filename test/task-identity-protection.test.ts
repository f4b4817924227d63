import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  CreateClusterCommand, CreateServiceCommand, DescribeTasksCommand, GetTaskProtectionCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  UpdateServiceCommand, ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

/**
 * ECS's task scale-in protection endpoint, $ECS_AGENT_URI/task-protection/v1/state, called from
 * inside real tasks with busybox (nc for PUT: busybox wget only GETs and POSTs). It answers as
 * ECS's agent does, backed by UpdateTaskProtection / GetTaskProtection, and the service
 * scheduler honours the protection a task set for itself.
 */
const run = promisify(execFile);
let berth: BerthProcess;
let ecs: ECSClient;
let roleArn = "";

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1"] });
  ecs = berth.ecs();
  const iam = new IAMClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] });
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: "worker", AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  iam.destroy();
  for (const [family, taskRoleArn] of [["worker", roleArn], ["no-role", undefined]] as const) {
    await ecs.send(new RegisterTaskDefinitionCommand({
      family, networkMode: "bridge", taskRoleArn,
      containerDefinitions: [{ name: "app", image: TEST_IMAGE, essential: true, memory: 32, entryPoint: ["sh", "-c"], command: ["exec sleep 600"], stopTimeout: 1 }],
    }));
  }
});

after(async () => {
  await berth?.dispose();
});

const containerId = (t: Task) => t.containers![0]!.runtimeId!;

/**
 * An HTTP request to $ECS_AGENT_URI/task-protection/v1/state (or to `uri`'s) from inside the
 * task, written by hand to busybox nc (HTTP/1.0: the endpoint closes the connection after its answer).
 */
const REQUEST = [
  'u="${1:-$ECS_AGENT_URI}"',
  'p="${u#http://169.254.170.2}/task-protection/v1/state"',
  `printf '%s %s HTTP/1.0\r\nHost: 169.254.170.2\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' "$2" "$p" "\${#3}" "$3" | nc 169.254.170.2 80`,
].join("\n");

async function agentApi(t: Task, method: "GET" | "PUT", body = "", uri = ""): Promise<{ status: number; json: any }> {
  const { stdout } = await run("docker", ["exec", containerId(t), "sh", "-c", REQUEST, "sh", uri, method, body]);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(stdout)?.[1]);
  const at = stdout.indexOf("\r\n\r\n");
  assert.ok(status && at >= 0, `an HTTP answer: ${JSON.stringify(stdout)}`);
  return { status, json: JSON.parse(stdout.slice(at + 4)) };
}

async function serviceTasks(name: string, family: string, count: number): Promise<Task[]> {
  await ecs.send(new CreateServiceCommand({ serviceName: name, taskDefinition: family, desiredCount: count, launchType: "EC2" }));
  const arns = await waitFor(`${name}'s tasks`, async () => {
    const listed = (await ecs.send(new ListTasksCommand({ serviceName: name }))).taskArns ?? [];
    return listed.length === count ? listed : undefined;
  });
  return Promise.all(arns.map((arn) => waitForTask(ecs, "default", arn, "RUNNING")));
}
const serviceTask = async (name: string, family: string) => (await serviceTasks(name, family, 1))[0]!;

test("a service task protects itself through $ECS_AGENT_URI, and scale-in leaves it running until it lifts its protection", async () => {
  const [t, other] = await serviceTasks("workers", "worker", 2) as [Task, Task];
  const { stdout: agentUri } = await run("docker", ["exec", containerId(t), "sh", "-c", 'echo "$ECS_AGENT_URI"; echo "$ECS_CONTAINER_METADATA_URI_V4"']);
  const [uri, v4] = agentUri.trim().split("\n");
  assert.match(uri!, /^http:\/\/169\.254\.170\.2\/api\/[0-9a-f]{64}$/);
  assert.equal(uri, v4!.replace("/v4/", "/api/"));

  const before = await agentApi(t, "GET");
  assert.deepEqual(before, { status: 200, json: { protection: { ExpirationDate: null, ProtectionEnabled: false, TaskArn: t.taskArn } } });

  const set = await agentApi(t, "PUT", JSON.stringify({ ProtectionEnabled: true, ExpiresInMinutes: 60 }));
  assert.equal(set.status, 200, JSON.stringify(set.json));
  assert.equal(set.json.protection.ProtectionEnabled, true);
  assert.equal(set.json.protection.TaskArn, t.taskArn);
  assert.match(set.json.protection.ExpirationDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const minutes = (Date.parse(set.json.protection.ExpirationDate) - Date.now()) / 60_000;
  assert.ok(minutes > 58 && minutes <= 60, `${minutes} minutes`);
  // The same protection through the API, and through the endpoint's GET.
  const api = await ecs.send(new GetTaskProtectionCommand({ cluster: "default", tasks: [t.taskArn!] }));
  assert.equal(api.protectedTasks![0]!.protectionEnabled, true);
  assert.equal(api.protectedTasks![0]!.expirationDate!.getTime(), Date.parse(set.json.protection.ExpirationDate));
  assert.deepEqual((await agentApi(t, "GET")).json, set.json);

  // Scale-in to 0: the decision that stops the unprotected task leaves the protected one running.
  await ecs.send(new UpdateServiceCommand({ service: "workers", desiredCount: 0 }));
  await waitForTask(ecs, "default", other.taskArn!, "STOPPED", 60_000);
  const kept = (await ecs.send(new DescribeTasksCommand({ tasks: [t.taskArn!] }))).tasks![0]!;
  assert.deepEqual([kept.lastStatus, kept.desiredStatus], ["RUNNING", "RUNNING"]);
  // The task is still there to lift its own protection; then scale-in stops it.
  const lifted = await agentApi(t, "PUT", JSON.stringify({ ProtectionEnabled: false }));
  assert.deepEqual(lifted, { status: 200, json: { protection: { ExpirationDate: null, ProtectionEnabled: false, TaskArn: t.taskArn } } });
  const stopped = await waitForTask(ecs, "default", t.taskArn!, "STOPPED", 60_000);
  assert.equal(stopped.stopCode, "ServiceSchedulerInitiated");
});

test("bad requests get ECS agent's errors and change nothing", async () => {
  const t = await serviceTask("errs", "worker");
  const undecodable = { status: 400, json: { error: { Arn: "", Code: "InvalidParameterException", Message: "UpdateTaskProtection: failed to decode request" } } };
  assert.deepEqual(await agentApi(t, "PUT", '{"ProtectionEnabled":true,"Forever":1}'), undecodable);
  assert.deepEqual(await agentApi(t, "PUT", "not json"), undecodable);
  assert.deepEqual(await agentApi(t, "PUT", "{}"), {
    status: 400, json: { error: { Arn: t.taskArn, Code: "InvalidParameterException", Message: "Invalid request: does not contain 'ProtectionEnabled' field" } },
  });
  // ECS refuses the expiry: its code, message and request id come back with its status.
  const tooLong = await agentApi(t, "PUT", JSON.stringify({ ProtectionEnabled: true, ExpiresInMinutes: 5000 }));
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.json.error.Code, "InvalidParameterException");
  assert.equal(tooLong.json.error.Arn, t.taskArn);
  assert.equal(tooLong.json.error.Message, "expiresInMinutes must be between 1 and 2880 minutes.");
  assert.equal(typeof tooLong.json.requestID, "string");
  // An id that is no task's.
  const unknown = await agentApi(t, "GET", "", `http://169.254.170.2/api/${"0".repeat(64)}`);
  assert.deepEqual(unknown, { status: 404, json: { error: { Arn: "", Code: "ResourceNotFoundException", Message: "Failed to find a task for the request" } } });
  const api = await ecs.send(new GetTaskProtectionCommand({ cluster: "default", tasks: [t.taskArn!] }));
  assert.equal(api.protectedTasks![0]!.protectionEnabled, false);
  await ecs.send(new UpdateServiceCommand({ service: "errs", desiredCount: 0 }));
  await waitForTask(ecs, "default", t.taskArn!, "STOPPED", 60_000);
});

test("a task without a role is refused; a standalone task gets ECS's TASK_NOT_VALID failure", async () => {
  const bare = await serviceTask("bare", "no-role");
  assert.deepEqual(await agentApi(bare, "GET"), {
    status: 403, json: { error: { Arn: bare.taskArn, Code: "AccessDeniedException", Message: "Invalid Request: no task IAM role credentials available for task" } },
  });
  await ecs.send(new UpdateServiceCommand({ service: "bare", desiredCount: 0 }));

  const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: "worker", launchType: "EC2" }));
  const alone = await waitForTask(ecs, "default", tasks![0]!.taskArn!, "RUNNING");
  assert.deepEqual(await agentApi(alone, "PUT", JSON.stringify({ ProtectionEnabled: true })), {
    status: 200, json: { failure: { Arn: alone.taskArn, Detail: "The task is not part of an Amazon ECS service.", Reason: "TASK_NOT_VALID" } },
  });
  await ecs.send(new StopTaskCommand({ task: alone.taskArn! }));
  await waitForTask(ecs, "default", alone.taskArn!, "STOPPED");
  await waitForTask(ecs, "default", bare.taskArn!, "STOPPED");
});

test("under IAM enforcement the agent calls ECS as the task role: a role without ecs:GetTaskProtection gets ECS's AccessDeniedException", async () => {
  const ROOT = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
  const strict = await BerthProcess.start({ args: ["--instances", "1", "--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`, "--iam-enforcement"] });
  try {
    const client = { endpoint: strict.endpoint, region: "us-east-1", credentials: ROOT, maxAttempts: 1 };
    const iam = new IAMClient(client);
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    const roles: Record<string, string> = {};
    for (const name of ["mute", "keeper"]) roles[name] = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    const allow = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"], Resource: "*" }] });
    await iam.send(new PutRolePolicyCommand({ RoleName: "keeper", PolicyName: "protect", PolicyDocument: allow }));
    iam.destroy();
    const strictEcs = new ECSClient(client);
    await strictEcs.send(new CreateClusterCommand({ clusterName: "default" }));
    const tasks: Record<string, Task> = {};
    for (const name of ["mute", "keeper"]) {
      await strictEcs.send(new RegisterTaskDefinitionCommand({
        family: name, networkMode: "bridge", taskRoleArn: roles[name],
        containerDefinitions: [{ name: "app", image: TEST_IMAGE, essential: true, memory: 32, entryPoint: ["sh", "-c"], command: ["exec sleep 600"], stopTimeout: 1 }],
      }));
      await strictEcs.send(new CreateServiceCommand({ serviceName: name, taskDefinition: name, desiredCount: 1, launchType: "EC2" }));
      const arn = await waitFor(`${name}'s task`, async () => (await strictEcs.send(new ListTasksCommand({ serviceName: name }))).taskArns?.[0]);
      tasks[name] = await waitForTask(strictEcs, "default", arn, "RUNNING");
    }
    const refused = await agentApi(tasks.mute!, "GET");
    assert.equal(refused.status, 400, JSON.stringify(refused.json));
    assert.equal(refused.json.error.Code, "AccessDeniedException");
    assert.equal(refused.json.error.Arn, tasks.mute!.taskArn);
    assert.match(refused.json.error.Message, /^User: arn:aws:sts::000000000000:assumed-role\/mute\/[0-9a-f]{32} is not authorized to perform: ecs:GetTaskProtection on resource: /);
    assert.equal(typeof refused.json.requestID, "string");
    const granted = await agentApi(tasks.keeper!, "PUT", JSON.stringify({ ProtectionEnabled: true }));
    assert.equal(granted.status, 200, JSON.stringify(granted.json));
    assert.equal(granted.json.protection.ProtectionEnabled, true);
    for (const name of ["mute", "keeper"]) await strictEcs.send(new UpdateServiceCommand({ service: name, desiredCount: 0 }));
    await strictEcs.send(new StopTaskCommand({ task: tasks.keeper!.taskArn! }));
    await Promise.all(Object.values(tasks).map((t) => waitForTask(strictEcs, "default", t.taskArn!, "STOPPED", 60_000)));
    strictEcs.destroy();
  } finally {
    await strict.dispose();
  }
});
