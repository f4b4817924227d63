import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, DescribeTasksCommand,
  ListTasksCommand, DeleteClusterCommand, TagResourceCommand, UntagResourceCommand, ListTagsForResourceCommand,
  DescribeClustersCommand, ConflictException, InvalidParameterException, RegisterContainerInstanceCommand, type ECSClient,
} from "@aws-sdk/client-ecs";
import { BerthProcess, berthBin } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask, httpGet } from "./wait.js";

const run = promisify(execFile);
let berth: BerthProcess;
let ecs: ECSClient;

const web = (family: string, extra: Record<string, unknown> = {}) => ({
  family,
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  cpu: "256",
  memory: "512",
  containerDefinitions: [
    {
      name: "web",
      image: TEST_IMAGE,
      essential: true,
      // busybox httpd serving a page that names the task's container.
      entryPoint: ["sh", "-c"],
      command: ["mkdir -p /www && echo hello-from-$NAME > /www/index.html && exec httpd -f -p 8080 -h /www"],
      environment: [{ name: "NAME", value: "web" }],
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      stopTimeout: 2,
    },
  ],
  ...extra,
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "dev" }));
  // EC2 tasks need a container instance in their cluster, as on AWS.
  await ecs.send(new RegisterContainerInstanceCommand({ cluster: "dev" }));
});
after(async () => {
  await berth.dispose();
});

const privateIp = (t: { attachments?: Array<{ details?: Array<{ name?: string; value?: string }> }> }) =>
  t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value;

test("a Fargate task runs, answers on its private IP, and stops as the user asked", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand(web("web") as never));
  const { tasks, failures } = await ecs.send(new RunTaskCommand({
    cluster: "dev", taskDefinition: "web", launchType: "FARGATE",
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    tags: [{ key: "purpose", value: "test" }],
  }));
  assert.deepEqual(failures, []);
  const started = tasks![0]!;
  assert.equal(started.lastStatus, "PROVISIONING");
  assert.equal(started.desiredStatus, "RUNNING");
  assert.equal(started.launchType, "FARGATE");
  assert.equal(started.group, "family:web");
  assert.equal(started.attachments?.[0]?.type, "ElasticNetworkInterface");
  assert.deepEqual(started.tags, [{ key: "purpose", value: "test" }]);

  const running = await waitForTask(ecs, "dev", started.taskArn!, "RUNNING");
  assert.ok(running.startedAt && running.pullStartedAt && running.pullStoppedAt && running.createdAt);
  assert.equal(running.containers?.[0]?.lastStatus, "RUNNING");
  const ip = privateIp(running);
  assert.match(ip ?? "", /^127\.\d+\.\d+\.\d+$/);
  assert.equal(running.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address, ip);
  const page = await waitFor("web answers", () => httpGet(`http://${ip}:8080/`));
  assert.equal(page.status, 200);
  assert.equal(page.body.trim(), "hello-from-web");

  const { task: stopping } = await ecs.send(new StopTaskCommand({ cluster: "dev", task: started.taskArn!, reason: "done testing" }));
  assert.equal(stopping?.desiredStatus, "STOPPED");
  const stopped = await waitForTask(ecs, "dev", started.taskArn!, "STOPPED");
  assert.equal(stopped.stopCode, "UserInitiated");
  assert.equal(stopped.stoppedReason, "done testing");
  assert.ok(stopped.stoppingAt && stopped.stoppedAt && stopped.executionStoppedAt);
  assert.equal(typeof stopped.containers?.[0]?.exitCode, "number");
  assert.equal(await httpGet(`http://${ip}:8080/`), undefined);
});

test("an essential container that exits stops the task with EssentialContainerExited", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "short", networkMode: "bridge",
    containerDefinitions: [{ name: "main", image: TEST_IMAGE, memory: 64, essential: true, command: ["sh", "-c", "echo bye; exit 3"] }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "short" }));
  const stopped = await waitForTask(ecs, "dev", tasks![0]!.taskArn!, "STOPPED");
  assert.equal(stopped.stopCode, "EssentialContainerExited");
  assert.equal(stopped.stoppedReason, "Essential container in task exited");
  assert.equal(stopped.containers?.[0]?.exitCode, 3);
  assert.equal(stopped.launchType, "EC2");
  // Its output stays readable through `berth logs`.
  const { stdout } = await run(process.execPath, [berthBin, "logs", tasks![0]!.taskArn!, "--endpoint", berth.endpoint]);
  assert.match(stdout, /main \| bye/);
});

test("a killed container stops its task", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "sleeper", networkMode: "bridge",
    containerDefinitions: [{ name: "sleep", image: TEST_IMAGE, memory: 32, command: ["sleep", "600"] }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "sleeper" }));
  const running = await waitForTask(ecs, "dev", tasks![0]!.taskArn!, "RUNNING");
  await run("docker", ["kill", running.containers![0]!.runtimeId!]);
  const stopped = await waitForTask(ecs, "dev", running.taskArn!, "STOPPED");
  assert.equal(stopped.stopCode, "EssentialContainerExited");
  assert.equal(stopped.containers?.[0]?.exitCode, 137);
});

test("a bridge task publishes a dynamic host port on 127.0.0.1", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "bridge-web", networkMode: "bridge",
    containerDefinitions: [{
      name: "web", image: TEST_IMAGE, memory: 64, stopTimeout: 2,
      entryPoint: ["sh", "-c"], command: ["mkdir -p /www && echo bridged > /www/index.html && exec httpd -f -p 80 -h /www"],
      portMappings: [{ containerPort: 80, hostPort: 0 }],
    }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "bridge-web", startedBy: "tester" }));
  const running = await waitForTask(ecs, "dev", tasks![0]!.taskArn!, "RUNNING");
  const binding = running.containers?.[0]?.networkBindings?.[0];
  assert.equal(binding?.bindIP, "127.0.0.1");
  assert.equal(binding?.containerPort, 80);
  assert.ok((binding?.hostPort ?? 0) > 1024);
  const page = await waitFor("bridge web answers", () => httpGet(`http://127.0.0.1:${binding!.hostPort}/`));
  assert.equal(page.body.trim(), "bridged");

  const listed = await ecs.send(new ListTasksCommand({ cluster: "dev", startedBy: "tester" }));
  assert.deepEqual(listed.taskArns, [running.taskArn]);
  const byFamily = await ecs.send(new ListTasksCommand({ cluster: "dev", family: "bridge-web", launchType: "EC2" }));
  assert.deepEqual(byFamily.taskArns, [running.taskArn]);
  const stats = await ecs.send(new DescribeClustersCommand({ clusters: ["dev"], include: ["STATISTICS"] }));
  assert.ok((stats.clusters?.[0]?.runningTasksCount ?? 0) >= 1);
  await assert.rejects(ecs.send(new DeleteClusterCommand({ cluster: "dev" })), (e: Error) => e.name === "ClusterContainsTasksException");
  await ecs.send(new StopTaskCommand({ cluster: "dev", task: running.taskArn! }));
  const stopped = await waitForTask(ecs, "dev", running.taskArn!, "STOPPED");
  assert.equal(stopped.stoppedReason, "Task stopped by user");
  const stoppedList = await ecs.send(new ListTasksCommand({ cluster: "dev", family: "bridge-web", desiredStatus: "STOPPED" }));
  assert.ok(stoppedList.taskArns?.includes(running.taskArn!));
});

test("a missing image stops the task with CannotPullContainerError", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "nopull", networkMode: "bridge",
    containerDefinitions: [{ name: "x", image: "127.0.0.1:9/berth/does-not-exist:1", memory: 32 }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "nopull" }));
  const stopped = await waitForTask(ecs, "dev", tasks![0]!.taskArn!, "STOPPED");
  assert.equal(stopped.stopCode, "TaskFailedToStart");
  assert.match(stopped.stoppedReason ?? "", /^CannotPullContainerError: /);
});

test("clientToken makes RunTask idempotent, and a reused token with other parameters conflicts", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "idem", networkMode: "bridge",
    containerDefinitions: [{ name: "s", image: TEST_IMAGE, memory: 32, command: ["sleep", "600"], stopTimeout: 1 }],
  }));
  const first = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "idem", clientToken: "token-1", count: 2 }));
  const again = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "idem", clientToken: "token-1", count: 2 }));
  assert.deepEqual(again.tasks?.map((t) => t.taskArn), first.tasks?.map((t) => t.taskArn));
  await assert.rejects(ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "idem", clientToken: "token-1", count: 1 })), ConflictException);
  for (const t of first.tasks!) await ecs.send(new StopTaskCommand({ cluster: "dev", task: t.taskArn! }));
  for (const t of first.tasks!) await waitForTask(ecs, "dev", t.taskArn!, "STOPPED");
});

test("RunTask refuses what ECS refuses, and changes nothing", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand(web("refuse") as never));
  const before = await ecs.send(new ListTasksCommand({ cluster: "dev" }));
  const cases: Array<[string, object]> = [
    ["no network configuration", { taskDefinition: "refuse", launchType: "FARGATE" }],
    ["count 0", { taskDefinition: "refuse", launchType: "FARGATE", count: 0, networkConfiguration: { awsvpcConfiguration: { subnets: ["s"] } } }],
    ["count 11", { taskDefinition: "refuse", launchType: "FARGATE", count: 11, networkConfiguration: { awsvpcConfiguration: { subnets: ["s"] } } }],
    ["override of an unknown container", { taskDefinition: "refuse", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["s"] } }, overrides: { containerOverrides: [{ name: "ghost" }] } }],
  ];
  for (const [name, input] of cases) {
    await assert.rejects(ecs.send(new RunTaskCommand({ cluster: "dev", ...input } as never)), InvalidParameterException, name);
  }
  // An unknown definition is ECS's ClientException "TaskDefinition not found.", which clients match on.
  for (const taskDefinition of ["nope:7", "nope"]) {
    await assert.rejects(ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["s"] } } })),
      { name: "ClientException", message: "TaskDefinition not found." }, taskDefinition);
  }
  await assert.rejects(ecs.send(new RunTaskCommand({ cluster: "nowhere", taskDefinition: "refuse" })), (e: Error) => e.name === "ClusterNotFoundException");
  const afterList = await ecs.send(new ListTasksCommand({ cluster: "dev" }));
  assert.deepEqual(afterList.taskArns, before.taskArns);
});

test("overrides, tags and DescribeTasks include TAGS", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "echo", networkMode: "bridge", tags: [{ key: "from", value: "definition" }],
    containerDefinitions: [{ name: "e", image: TEST_IMAGE, memory: 32, command: ["sh", "-c", "echo original"] }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({
    cluster: "dev", taskDefinition: "echo", propagateTags: "TASK_DEFINITION", tags: [{ key: "own", value: "1" }],
    overrides: { containerOverrides: [{ name: "e", command: ["sh", "-c", "echo overridden-$X"], environment: [{ name: "X", value: "yes" }] }] },
  }));
  const arn = tasks![0]!.taskArn!;
  await waitForTask(ecs, "dev", arn, "STOPPED");
  const { stdout } = await run(process.execPath, [berthBin, "logs", arn.split("/").pop()!, "--endpoint", berth.endpoint]);
  assert.match(stdout, /overridden-yes/);
  const described = await ecs.send(new DescribeTasksCommand({ cluster: "dev", tasks: [arn, "0123456789abcdef0123456789abcdef"], include: ["TAGS"] }));
  assert.deepEqual(described.tasks?.[0]?.tags, [{ key: "from", value: "definition" }, { key: "own", value: "1" }]);
  assert.equal(described.failures?.[0]?.reason, "MISSING");
  await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "later", value: "x" }] }));
  await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["from"] }));
  const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  assert.deepEqual(tags, [{ key: "own", value: "1" }, { key: "later", value: "x" }]);
});

test("the README scenario works verbatim with the AWS CLI", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-cli-"));
  try {
    await berth.aws("ecs", "create-cluster", "--cluster-name", "cli");
    const file = join(dir, "web.json");
    writeFileSync(file, JSON.stringify(web("cliweb")));
    const reg = await berth.aws("ecs", "register-task-definition", "--cli-input-json", `file://${file}`);
    assert.equal(reg.taskDefinition.family, "cliweb");
    const ran = await berth.aws("ecs", "run-task", "--cluster", "cli", "--task-definition", "cliweb", "--launch-type", "FARGATE",
      "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1]}");
    const arn = ran.tasks[0].taskArn as string;
    const running = await waitFor("RUNNING via the CLI", async () => {
      const d = await berth.aws("ecs", "describe-tasks", "--cluster", "cli", "--tasks", arn);
      return d.tasks[0].lastStatus === "RUNNING" ? d.tasks[0] : undefined;
    });
    const ip = privateIp(running);
    assert.equal((await waitFor("answers", () => httpGet(`http://${ip}:8080/`))).body.trim(), "hello-from-web");
    await berth.aws("ecs", "stop-task", "--cluster", "cli", "--task", arn, "--reason", "cli stop");
    const stopped = await waitFor("STOPPED via the CLI", async () => {
      const d = await berth.aws("ecs", "describe-tasks", "--cluster", "cli", "--tasks", arn);
      return d.tasks[0].lastStatus === "STOPPED" ? d.tasks[0] : undefined;
    });
    assert.equal(stopped.stopCode, "UserInitiated");
    assert.equal(stopped.stoppedReason, "cli stop");
    assert.equal(typeof stopped.containers[0].exitCode, "number");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
