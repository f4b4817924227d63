import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeContainerInstancesCommand, DescribeTasksCommand, ListTasksCommand,
  RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StartTaskCommand, StopTaskCommand, type ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import { AgentProcess, BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { httpGet, waitFor, waitForTask } from "./wait.js";

const TOKEN = "remote-agent-test-token";
const HOST_IP = "127.0.2.1";
const CLUSTER = "remote";
const agentDir = mkdtempSync(join(tmpdir(), "berth-agent-"));
let berth: BerthProcess;
let ecs: ECSClient;
let agent: AgentProcess;
let localArn = "";

const startAgent = () => AgentProcess.start({ endpoint: berth.endpoint, cluster: CLUSTER, token: TOKEN, hostIp: HOST_IP, dataDir: agentDir, args: ["--instance-cpu", "2048", "--instance-memory", "1024"] });
const describeInstance = async (arn: string) =>
  (await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [arn] }))).containerInstances![0]!;
const serviceTasks = async (desiredStatus: "RUNNING" | "STOPPED"): Promise<Task[]> => {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: "web", desiredStatus }));
  return taskArns.length ? (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }))).tasks! : [];
};

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--agent-token", TOKEN, "--agent-heartbeat-timeout-seconds", "3", "--agent-disconnect-grace-seconds", "3"] });
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "web", networkMode: "bridge",
    containerDefinitions: [{
      name: "web", image: TEST_IMAGE, memory: 32, stopTimeout: 1,
      entryPoint: ["sh", "-c"], command: ["mkdir -p /www && echo remote > /www/index.html && exec httpd -f -p 80 -h /www"],
      portMappings: [{ containerPort: 80, hostPort: 0 }],
    }],
  }));
});

after(async () => {
  await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: "web", force: true })).catch(() => {});
  // The server's reset also asks the connected agent to remove its containers.
  assert.deepEqual(await AgentProcess.disposeWith(berth, agent, agentDir), [], "the agent's containers were all removed");
});

test("an agent without the token is refused", async () => {
  const res = await fetch(`${berth.endpoint}/_berth/agent/hello`, { method: "POST", body: "{}", headers: { "x-berth-agent-token": "wrong" } });
  assert.equal(res.status, 401);
});

test("berth agent joins the cluster as a connected container instance with its host's resources", async () => {
  agent = await startAgent();
  assert.match(agent.containerInstanceArn, /^arn:aws:ecs:us-east-1:000000000000:container-instance\/remote\/[0-9a-f]{32}$/);
  assert.notEqual(agent.berthId, berth.berthId, "the agent labels its containers in its own namespace");
  const i = await describeInstance(agent.containerInstanceArn);
  assert.equal(i.agentConnected, true);
  assert.equal(i.status, "ACTIVE");
  assert.equal(i.registeredResources!.find((r) => r.name === "CPU")!.integerValue, 2048);
  assert.equal(i.registeredResources!.find((r) => r.name === "MEMORY")!.integerValue, 1024);
  assert.ok(i.attributes!.some((a) => a.name === "ecs.availability-zone"));
});

test("RunTask (EC2, bridge, dynamic port) runs on the agent's engine and answers on its host IP", async () => {
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "web", launchType: "EC2" }));
  const task = await waitForTask(ecs, CLUSTER, tasks![0]!.taskArn!, "RUNNING");
  assert.equal(task.containerInstanceArn, agent.containerInstanceArn);
  const binding = task.containers![0]!.networkBindings![0]!;
  assert.equal(binding.bindIP, HOST_IP);
  const page = await waitFor("the task's page", () => httpGet(`http://${HOST_IP}:${binding.hostPort}/`), 60_000);
  assert.equal(page.body.trim(), "remote");
  assert.equal((await agent.running(task.taskArn!)).length, 1, "the container carries the agent's label");
  assert.deepEqual(await berth.leftovers(), [], "nothing under the server's label");

  const logs = await (await fetch(`${berth.endpoint}/_berth/logs?task=${encodeURIComponent(task.taskArn!)}`)).json();
  assert.ok(Array.isArray(logs));

  await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }));
  await waitForTask(ecs, CLUSTER, task.taskArn!, "STOPPED");
  assert.deepEqual(await agent.running(task.taskArn!), []);
});

test("a task's secrets reach a remote agent's container with the launch (berth logs shows what it printed)", async () => {
  const value = `remote-secret-${process.pid}`;
  await berth.aws("secretsmanager", "create-secret", "--name", "remote-db", "--secret-string", JSON.stringify({ password: value }));
  await berth.aws("ssm", "put-parameter", "--name", "/remote/key", "--type", "SecureString", "--value", `${value}-key`);
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "with-secrets", networkMode: "bridge", executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
    containerDefinitions: [{
      name: "app", image: TEST_IMAGE, memory: 32, stopTimeout: 1, entryPoint: ["sh", "-c"], command: ['echo "$DB/$KEY"; exec sleep 300'],
      secrets: [{ name: "DB", valueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:remote-db:password::" }, { name: "KEY", valueFrom: "/remote/key" }],
    }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "with-secrets", launchType: "EC2" }));
  const task = await waitForTask(ecs, CLUSTER, tasks![0]!.taskArn!, "RUNNING");
  assert.equal(task.containerInstanceArn, agent.containerInstanceArn);
  const printed = await waitFor("the container's output", async () => {
    const logs = (await (await fetch(`${berth.endpoint}/_berth/logs?task=${encodeURIComponent(task.taskArn!)}`)).json()) as Array<{ text: string }>;
    const text = logs.map((l) => l.text).join("");
    return text.includes("/") ? text : undefined;
  }, 20_000);
  assert.equal(printed.trim(), `${value}/${value}-key`);
  assert.deepEqual(berth.output.filter((l) => l.includes(value)), [], "the secret in the server's log");
  await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }));
  await waitForTask(ecs, CLUSTER, task.taskArn!, "STOPPED");
});

test("a lost agent's service tasks are replaced elsewhere, and stopped on the agent when it returns", async () => {
  // A second instance in the cluster, run by the server's own engine.
  localArn = (await ecs.send(new RegisterContainerInstanceCommand({ cluster: CLUSTER }))).containerInstance!.containerInstanceArn!;
  await ecs.send(new CreateServiceCommand({
    cluster: CLUSTER, serviceName: "web", taskDefinition: "web", desiredCount: 2, launchType: "EC2",
    placementStrategy: [{ type: "spread", field: "instanceId" }],
  }));
  const first = await waitFor("two running service tasks", async () => {
    const t = (await serviceTasks("RUNNING")).filter((x) => x.lastStatus === "RUNNING");
    return t.length === 2 ? t : undefined;
  }, 60_000);
  const onAgent = first.find((t) => t.containerInstanceArn === agent.containerInstanceArn);
  assert.ok(onAgent, "spread put one task on the agent");
  assert.ok(first.some((t) => t.containerInstanceArn === localArn));
  assert.equal((await agent.running(onAgent.taskArn!)).length, 1);

  // A task in a service-like group that no service scheduler owns: only the grace period stops it.
  const grouped = (await ecs.send(new StartTaskCommand({ cluster: CLUSTER, taskDefinition: "web", containerInstances: [agent.containerInstanceArn], group: "service:orphan" }))).tasks![0]!;
  await waitForTask(ecs, CLUSTER, grouped.taskArn!, "RUNNING");

  agent.signal("SIGSTOP");
  await waitFor("agent shown disconnected", async () => (await describeInstance(agent.containerInstanceArn)).agentConnected === false || undefined, 60_000);

  const orphan = await waitForTask(ecs, CLUSTER, grouped.taskArn!, "STOPPED", 60_000);
  assert.match(orphan.stoppedReason!, /^Host EC2 \(instance i-[0-9a-f]+\) stopped\/terminated\.$/);
  assert.equal((await agent.running(grouped.taskArn!)).length, 1, "frozen: its container still runs");
  const lost = await waitForTask(ecs, CLUSTER, onAgent.taskArn!, "STOPPED", 60_000);
  // As in ECS, the service's task stays on the silent agent until the grace period ends.
  assert.match(lost.stoppedReason!, /^Host EC2 \(instance i-[0-9a-f]+\) stopped\/terminated\.$/);
  const replaced = await waitFor("two running tasks on the local instance", async () => {
    const t = (await serviceTasks("RUNNING")).filter((x) => x.lastStatus === "RUNNING");
    return t.length === 2 && t.every((x) => x.containerInstanceArn === localArn) ? t : undefined;
  }, 60_000);
  assert.equal(replaced.length, 2);
  // The frozen agent's container still runs: the engine knows nothing of the agent's state.
  assert.equal((await agent.running(onAgent.taskArn!)).length, 1);

  agent.signal("SIGCONT");
  await waitFor("agent reconnected", async () => (await describeInstance(agent.containerInstanceArn)).agentConnected === true || undefined, 60_000);
  await waitFor("the grace-stopped task's container stopped on the agent", async () => ((await agent.running(grouped.taskArn!)).length === 0) || undefined, 60_000);
  await waitFor("the replaced task's container stopped on the agent", async () => ((await agent.running(onAgent.taskArn!)).length === 0) || undefined, 30_000);
  const after_ = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [onAgent.taskArn!] }))).tasks![0]!;
  assert.equal(after_.lastStatus, "STOPPED", "the lost task stays STOPPED");
  // No task runs twice: each running service task has exactly one running container set.
  const running = (await serviceTasks("RUNNING")).filter((x) => x.lastStatus === "RUNNING");
  assert.equal(running.length, 2);
  assert.deepEqual(await agent.containers(false), [], "nothing runs on the agent that the service does not count");
});

test("a restarted agent re-registers as the same instance and is connected again", async () => {
  const arn = agent.containerInstanceArn;
  await agent.stop();
  agent = await startAgent();
  assert.equal(agent.containerInstanceArn, arn);
  const i = await describeInstance(arn);
  assert.equal(i.agentConnected, true);
});
