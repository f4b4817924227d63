import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListContainerInstancesCommand, ListServicesCommand, ListTaskDefinitionsCommand, ListTasksCommand,
  RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StartTaskCommand, StopTaskCommand, UpdateServiceCommand,
  type ContainerDefinition, type ECSClient, type RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import { AgentProcess, BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

/**
 * What a task may do to its host: Fargate refuses the host's powers as ECS does, EC2 keeps them
 * (as ECS does) unless the operator's policy takes them away, and an agent enforces its own
 * host's policy whatever the server let through.
 */
const run = promisify(execFile);
const TOKEN = "host-powers-test-token";
const vpc = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
const sleeper: ContainerDefinition = { name: "app", image: TEST_IMAGE, memory: 32, stopTimeout: 1, command: ["sleep", "600"] };

const tmp = mkdtempSync(join(tmpdir(), "berth-host-powers-"));
const allowed = join(tmp, "allowed");
const outside = join(tmp, "outside");
let open: BerthProcess;
let strict: BerthProcess;
let agent: AgentProcess | undefined;
const agentDir = join(tmp, "agent");

before(async () => {
  mkdirSync(allowed);
  mkdirSync(outside);
  chmodSync(allowed, 0o777);
  // A link inside the allowed directory that leads out of it.
  symlinkSync(outside, join(allowed, "escape"));
  await ensureTestImage();
  open = await BerthProcess.start({ args: ["--agent-token", TOKEN] });
  strict = await BerthProcess.start({ args: ["--no-allow-privileged"], env: { BERTH_HOST_PATH_ALLOW_LIST: allowed } });
  for (const b of [open, strict]) {
    await b.ecs().send(new CreateClusterCommand({ clusterName: "powers", capacityProviders: ["FARGATE", "FARGATE_SPOT"] }));
    await b.ecs().send(new RegisterContainerInstanceCommand({ cluster: "powers" }));
  }
});

after(async () => {
  try {
    await Promise.all([open.dispose(), strict.dispose()]);
  } finally {
    const left = agent ? (await agent.stop(), await agent.removeLeftovers()) : [];
    rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(left, [], "the agent's containers were all removed");
  }
});

/** Asserts the call fails with this AWS error code and message. */
async function refused(call: Promise<unknown>, code: string, message: string) {
  await assert.rejects(call, (e: { name?: string; message?: string }) => {
    assert.equal(e.name, code);
    assert.equal(e.message, message);
    return true;
  });
}

/** Nothing was started in the cluster: no task, desired or stopped, and no container on the engine. */
async function nothingRuns(b: BerthProcess) {
  const ecs = b.ecs();
  for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
    assert.deepEqual((await ecs.send(new ListTasksCommand({ cluster: "powers", desiredStatus }))).taskArns, []);
  }
  assert.deepEqual(await b.leftovers(), []);
}

const fargateDef = (family: string, over: Partial<ContainerDefinition> = {}, td: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput => ({
  family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
  containerDefinitions: [{ name: "app", image: TEST_IMAGE, ...over }], ...td,
});

test("RegisterTaskDefinition for FARGATE refuses the host's powers with ECS's ClientException and registers nothing", async () => {
  const ecs = open.ecs();
  const cases: Array<[RegisterTaskDefinitionCommandInput, string]> = [
    [fargateDef("fg-privileged", { privileged: true }), "Fargate compatible task definitions do not support privileged"],
    [fargateDef("fg-host-network", {}, { networkMode: "host" }), "Fargate only supports network mode ‘awsvpc’."],
    [fargateDef("fg-host-path", { mountPoints: [{ sourceVolume: "h", containerPath: "/h" }] }, { volumes: [{ name: "h", host: { sourcePath: "/etc" } }] }),
      "Fargate compatible task definitions do not support sourcePath"],
    [fargateDef("fg-caps", { linuxParameters: { capabilities: { add: ["SYS_PTRACE", "SYS_ADMIN"] } } }),
      "Fargate compatible task definitions do not support the SYS_ADMIN capability. SYS_PTRACE is the only capability that can be added."],
    [fargateDef("fg-pid", {}, { pidMode: "host" }), "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."],
    [fargateDef("fg-seccomp", { dockerSecurityOptions: ["seccomp=unconfined"] }), "Fargate compatible task definitions do not support dockerSecurityOptions"],
  ];
  for (const [input, message] of cases) {
    await refused(ecs.send(new RegisterTaskDefinitionCommand(input)), "ClientException", message);
    assert.deepEqual((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: input.family }))).taskDefinitionArns, [], input.family);
  }
  // SYS_PTRACE is the one capability Fargate adds.
  const ok = await ecs.send(new RegisterTaskDefinitionCommand(fargateDef("fg-ptrace", { linuxParameters: { capabilities: { add: ["SYS_PTRACE"] } } })));
  assert.deepEqual(ok.taskDefinition?.compatibilities, ["EC2", "FARGATE"]);
});

test("the AWS CLI gets the same refusal", async () => {
  const containers = JSON.stringify([{ name: "app", image: TEST_IMAGE, linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } }]);
  await assert.rejects(
    open.aws("ecs", "register-task-definition", "--family", "fg-cli", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc", "--cpu", "256", "--memory", "512", "--container-definitions", containers),
    (e: { stderr?: string }) => {
      assert.match(e.stderr ?? "", /An error occurred \(ClientException\) when calling the RegisterTaskDefinition operation: Fargate compatible task definitions do not support the NET_ADMIN capability\. SYS_PTRACE is the only capability that can be added\./);
      return true;
    },
  );
  assert.deepEqual((await open.aws("ecs", "list-task-definitions", "--family-prefix", "fg-cli")).taskDefinitionArns, []);
});

test("a definition registered for EC2 with host powers cannot run or be a service on Fargate", async () => {
  const ecs = open.ecs();
  // awsvpc and a Fargate size, but privileged: ECS registers it for EC2 only.
  const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand({ ...fargateDef("ec2-only", { privileged: true }), requiresCompatibilities: undefined }));
  assert.deepEqual(taskDefinition?.compatibilities, ["EC2"]);
  const message = "Task definition does not support launch_type FARGATE.";
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "ec2-only", launchType: "FARGATE", networkConfiguration: vpc })), "InvalidParameterException", message);
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "ec2-only", capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }], networkConfiguration: vpc })),
    "InvalidParameterException", message);
  await refused(ecs.send(new CreateServiceCommand({ cluster: "powers", serviceName: "fg", taskDefinition: "ec2-only", desiredCount: 1, launchType: "FARGATE", networkConfiguration: vpc })),
    "InvalidParameterException", message);
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "powers" }))).serviceArns, []);
  await nothingRuns(open);
});

test("EC2 keeps ECS's semantics by default: privileged containers, host mounts and capabilities reach the engine", async () => {
  const ecs = open.ecs();
  const dir = join(allowed, "open");
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "mounting", volumes: [{ name: "h", host: { sourcePath: dir } }],
    containerDefinitions: [{
      ...sleeper, linuxParameters: { capabilities: { add: ["NET_ADMIN"] } },
      mountPoints: [{ sourceVolume: "h", containerPath: "/h" }], command: ["sh", "-c", "echo from-task > /h/out; exec sleep 600"],
    }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "mounting" }));
  const running = await waitForTask(ecs, "powers", tasks![0]!.taskArn!, "RUNNING");
  const info = JSON.parse((await run("docker", ["inspect", running.containers![0]!.runtimeId!])).stdout)[0];
  assert.deepEqual(info.HostConfig.Binds, [`${dir}:/h`]);
  assert.deepEqual(info.HostConfig.CapAdd, ["NET_ADMIN"]);
  await ecs.send(new StopTaskCommand({ cluster: "powers", task: running.taskArn! }));
  await waitForTask(ecs, "powers", running.taskArn!, "STOPPED");
  assert.equal(readFileSync(join(dir, "out"), "utf8").trim(), "from-task");

  // Privileged: Berth accepts it and creates the container privileged. Whether it then starts is
  // the engine's affair: one that itself runs without full privileges (a CI sandbox) refuses to
  // start it, and the task stops with the engine's CannotStartContainerError, as ECS would report it.
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "privileged", containerDefinitions: [{ ...sleeper, privileged: true }] }));
  const started = (await ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "privileged" }))).tasks![0]!;
  const seen = await waitFor("the privileged task to run or the engine to refuse it", async () => {
    const t = (await ecs.send(new DescribeTasksCommand({ cluster: "powers", tasks: [started.taskArn!] }))).tasks![0]!;
    return t.lastStatus === "RUNNING" || t.lastStatus === "STOPPED" ? t : undefined;
  });
  const created = JSON.parse((await run("docker", ["inspect", seen.containers![0]!.runtimeId!])).stdout)[0];
  assert.equal(created.HostConfig.Privileged, true);
  if (seen.lastStatus === "STOPPED") assert.match(seen.stoppedReason ?? "", /^CannotStartContainerError: Error response from daemon: /);
  else await ecs.send(new StopTaskCommand({ cluster: "powers", task: seen.taskArn! }));
});

test("the operator's policy refuses privileged containers and host paths outside its list at every launch API", async () => {
  const ecs = strict.ecs();
  const privileged = "The operator's policy does not allow privileged containers (container app).";
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "priv", containerDefinitions: [{ ...sleeper, privileged: true }] }));
  const mounting = (family: string, sourcePath: string) => ecs.send(new RegisterTaskDefinitionCommand({
    family, volumes: [{ name: "h", host: { sourcePath } }], containerDefinitions: [{ ...sleeper, mountPoints: [{ sourceVolume: "h", containerPath: "/h" }] }],
  }));
  await mounting("etc", "/etc");
  await mounting("escape", join(allowed, "escape"));
  await mounting("dotdot", `${allowed}/../outside`);

  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "priv" })), "ClientException", privileged);
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "etc" })), "ClientException", "The operator's policy does not allow the host path /etc.");
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "escape" })), "ClientException", `The operator's policy does not allow the host path ${join(allowed, "escape")}.`);
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "dotdot" })), "ClientException", `The operator's policy does not allow the host path ${allowed}/../outside.`);
  const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster: "powers" }));
  await refused(ecs.send(new StartTaskCommand({ cluster: "powers", taskDefinition: "priv", containerInstances: containerInstanceArns })), "ClientException", privileged);
  await refused(ecs.send(new CreateServiceCommand({ cluster: "powers", serviceName: "priv", taskDefinition: "priv", desiredCount: 1 })), "ClientException", privileged);
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "powers" }))).serviceArns, []);

  // A service may not move to a refused definition; it keeps the one it had.
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "plain", containerDefinitions: [sleeper] }));
  await ecs.send(new CreateServiceCommand({ cluster: "powers", serviceName: "svc", taskDefinition: "plain", desiredCount: 0 }));
  await refused(ecs.send(new UpdateServiceCommand({ cluster: "powers", service: "svc", taskDefinition: "priv" })), "ClientException", privileged);
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster: "powers", services: ["svc"] }));
  assert.match(services![0]!.taskDefinition!, /task-definition\/plain:1$/);
  await ecs.send(new DeleteServiceCommand({ cluster: "powers", service: "svc", force: true }));

  await assert.rejects(strict.aws("ecs", "run-task", "--cluster", "powers", "--task-definition", "priv"), (e: { stderr?: string }) => {
    assert.match(e.stderr ?? "", /An error occurred \(ClientException\) when calling the RunTask operation: The operator's policy does not allow privileged containers \(container app\)\./);
    return true;
  });
  await nothingRuns(strict);
});

test("under the policy, a host path inside the allow-list still runs", async () => {
  const ecs = strict.ecs();
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "inside", volumes: [{ name: "h", host: { sourcePath: join(allowed, "new-dir") } }],
    containerDefinitions: [{ ...sleeper, mountPoints: [{ sourceVolume: "h", containerPath: "/h" }], command: ["sh", "-c", "echo inside > /h/out; exec sleep 600"] }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "inside" }));
  const running = await waitForTask(ecs, "powers", tasks![0]!.taskArn!, "RUNNING");
  await ecs.send(new StopTaskCommand({ cluster: "powers", task: running.taskArn! }));
  await waitForTask(ecs, "powers", running.taskArn!, "STOPPED");
  assert.equal(readFileSync(join(allowed, "new-dir", "out"), "utf8").trim(), "inside");
});

test("a remote agent enforces its own host's policy, whatever the server allowed", async () => {
  const ecs = open.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "guarded" }));
  agent = await AgentProcess.start({ endpoint: open.endpoint, cluster: "guarded", token: TOKEN, hostIp: "127.0.5.9", dataDir: agentDir, args: ["--no-allow-privileged", "--instance-memory", "512"] });
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "agent-priv", containerDefinitions: [{ ...sleeper, privileged: true }] }));
  // The server's policy is open, so RunTask accepts; the agent refuses before creating anything.
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "guarded", taskDefinition: "agent-priv" }));
  const stopped = await waitForTask(ecs, "guarded", tasks![0]!.taskArn!, "STOPPED");
  assert.equal(stopped.stopCode, "TaskFailedToStart");
  assert.equal(stopped.stoppedReason, "ResourceInitializationError: The operator's policy does not allow privileged containers (container app).");
  assert.equal(stopped.containers?.[0]?.runtimeId, undefined, "no container was created");
});
