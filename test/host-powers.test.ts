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
/** A volume made on the engine by someone other than Berth. */
const FOREIGN_VOLUME = `not-berths-${process.pid}`;

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

/** The cluster's tasks (desired and stopped) and this Berth's objects on the engine, to show a refusal added none. */
async function everything(b: BerthProcess) {
  const ecs = b.ecs();
  const tasks = [];
  for (const desiredStatus of ["RUNNING", "STOPPED"] as const) tasks.push((await ecs.send(new ListTasksCommand({ cluster: "powers", desiredStatus }))).taskArns);
  return { tasks, engine: await b.leftovers() };
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

test("under a host path allow-list, a Docker volume cannot bind a host path the list refuses, nor use another driver", async () => {
  const ecs = strict.ecs();
  const withVolume = (family: string, dockerVolumeConfiguration: NonNullable<RegisterTaskDefinitionCommandInput["volumes"]>[number]["dockerVolumeConfiguration"]) =>
    ecs.send(new RegisterTaskDefinitionCommand({
      family, volumes: [{ name: "v", dockerVolumeConfiguration }],
      containerDefinitions: [{ ...sleeper, mountPoints: [{ sourceVolume: "v", containerPath: "/v" }] }],
    }));
  await withVolume("bind-etc", { scope: "task", driver: "local", driverOpts: { type: "none", o: "bind", device: "/etc" } });
  await withVolume("shared-bind-etc", { scope: "shared", autoprovision: true, driver: "local", driverOpts: { type: "none", o: "bind", device: "/etc" } });
  await withVolume("bind-escape", { scope: "task", driverOpts: { type: "none", o: "bind", device: join(allowed, "escape") } });
  await withVolume("plugin", { scope: "task", driver: "rexray/ebs" });
  await withVolume("disk", { scope: "task", driver: "local", driverOpts: { type: "ext4", device: "/dev/sda1" } });
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "bind-etc" })), "ClientException", "The operator's policy does not allow the host path /etc.");
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "shared-bind-etc" })), "ClientException", "The operator's policy does not allow the host path /etc.");
  await refused(ecs.send(new CreateServiceCommand({ cluster: "powers", serviceName: "bind", taskDefinition: "bind-etc", desiredCount: 1 })), "ClientException", "The operator's policy does not allow the host path /etc.");
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "bind-escape" })), "ClientException", `The operator's policy does not allow the host path ${join(allowed, "escape")}.`);
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "plugin" })), "ClientException", "The operator's policy does not allow the volume driver rexray/ebs (volume v).");
  await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "disk" })), "ClientException", "The operator's policy does not allow mounting /dev/sda1 (volume v).");
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "powers" }))).serviceArns, []);
  await nothingRuns(strict);

  // A bind inside the allow-list, and a plain local volume, still run.
  const dir = join(allowed, "bound");
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "bind-inside",
    volumes: [{ name: "v", dockerVolumeConfiguration: { scope: "task", driver: "local", driverOpts: { type: "none", o: "bind", device: dir } } }, { name: "plain", dockerVolumeConfiguration: { scope: "task" } }],
    containerDefinitions: [{ ...sleeper, mountPoints: [{ sourceVolume: "v", containerPath: "/v" }, { sourceVolume: "plain", containerPath: "/p" }], command: ["sh", "-c", "echo bound > /v/out; exec sleep 600"] }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "bind-inside" }));
  const running = await waitForTask(ecs, "powers", tasks![0]!.taskArn!, "RUNNING");
  await ecs.send(new StopTaskCommand({ cluster: "powers", task: running.taskArn! }));
  await waitForTask(ecs, "powers", running.taskArn!, "STOPPED");
  assert.equal(readFileSync(join(dir, "out"), "utf8").trim(), "bound");
});

test("allowPrivileged false refuses what amounts to privilege at every launch, and creates nothing", async () => {
  const ecs = strict.ecs();
  const cases: Array<[string, Partial<ContainerDefinition>, Partial<RegisterTaskDefinitionCommandInput>, string]> = [
    ["net-host", {}, { networkMode: "host" }, "The operator's policy does not allow network mode host."],
    ["pid-host", {}, { pidMode: "host" }, "The operator's policy does not allow pidMode host."],
    ["ipc-host", {}, { ipcMode: "host" }, "The operator's policy does not allow ipcMode host."],
    ["seccomp", { dockerSecurityOptions: ["no-new-privileges", "seccomp=unconfined"] }, {}, "The operator's policy does not allow the Docker security option seccomp=unconfined (container app)."],
    ["apparmor", { dockerSecurityOptions: ["apparmor=unconfined"] }, {}, "The operator's policy does not allow the Docker security option apparmor=unconfined (container app)."],
    ["label", { dockerSecurityOptions: ["label=disable"] }, {}, "The operator's policy does not allow the Docker security option label=disable (container app)."],
    ["sysctl", { systemControls: [{ namespace: "kernel.panic", value: "1" }] }, {}, "The operator's policy does not allow the system control kernel.panic (container app)."],
    ["sys-admin", { linuxParameters: { capabilities: { add: ["SYS_ADMIN"] } } }, {}, "The operator's policy does not allow adding the SYS_ADMIN capability (container app)."],
    ["all-caps", { linuxParameters: { capabilities: { add: ["ALL"] } } }, {}, "The operator's policy does not allow adding the ALL capability (container app)."],
    ["devices", { linuxParameters: { devices: [{ hostPath: "/dev/sda" }] } }, {}, "The operator's policy does not allow host devices (container app)."],
  ];
  const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster: "powers" }));
  const before = await everything(strict);
  for (const [family, container, td, message] of cases) {
    await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ ...sleeper, ...container }], ...td }));
    await refused(ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: family })), "ClientException", message);
    await refused(ecs.send(new StartTaskCommand({ cluster: "powers", taskDefinition: family, containerInstances: containerInstanceArns })), "ClientException", message);
    await refused(ecs.send(new CreateServiceCommand({ cluster: "powers", serviceName: family, taskDefinition: family, desiredCount: 1 })), "ClientException", message);
  }
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "powers" }))).serviceArns, []);
  assert.deepEqual(await everything(strict), before, "no task, container or volume was added");

  // What stays inside the task's own namespaces still runs.
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "confined", networkMode: "bridge",
    containerDefinitions: [{ ...sleeper, dockerSecurityOptions: ["no-new-privileges"], systemControls: [{ namespace: "net.ipv4.ip_forward", value: "1" }], linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "powers", taskDefinition: "confined" }));
  const running = await waitForTask(ecs, "powers", tasks![0]!.taskArn!, "RUNNING");
  await ecs.send(new StopTaskCommand({ cluster: "powers", task: running.taskArn! }));
  await waitForTask(ecs, "powers", running.taskArn!, "STOPPED");
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
  agent = await AgentProcess.start({ endpoint: open.endpoint, cluster: "guarded", token: TOKEN, hostIp: "127.0.5.9", dataDir: agentDir, args: ["--no-allow-privileged", "--host-path-allow-list", allowed, "--instance-memory", "512"] });
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "agent-priv", containerDefinitions: [{ ...sleeper, privileged: true }] }));
  // The server's policy is open, so RunTask accepts; the agent refuses before creating anything.
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "guarded", taskDefinition: "agent-priv" }));
  const stopped = await waitForTask(ecs, "guarded", tasks![0]!.taskArn!, "STOPPED");
  assert.equal(stopped.stopCode, "TaskFailedToStart");
  assert.equal(stopped.stoppedReason, "ResourceInitializationError: The operator's policy does not allow privileged containers (container app).");
  assert.equal(stopped.containers?.[0]?.runtimeId, undefined, "no container was created");

  // Its host path allow-list covers Docker volumes: a bind of /etc, and a volume on its engine that Berth did not make.
  await run("docker", ["volume", "create", FOREIGN_VOLUME]);
  try {
    const cases: Array<[string, NonNullable<RegisterTaskDefinitionCommandInput["volumes"]>[number], string]> = [
      ["agent-bind", { name: "v", dockerVolumeConfiguration: { scope: "task", driver: "local", driverOpts: { type: "none", o: "bind", device: "/etc" } } },
        "ResourceInitializationError: The operator's policy does not allow the host path /etc."],
      [FOREIGN_VOLUME, { name: FOREIGN_VOLUME, dockerVolumeConfiguration: { scope: "shared", autoprovision: false } },
        `ResourceInitializationError: The operator's policy does not allow the Docker volume ${FOREIGN_VOLUME}, which Berth did not create.`],
    ];
    for (const [family, volume, reason] of cases) {
      await ecs.send(new RegisterTaskDefinitionCommand({ family, volumes: [volume], containerDefinitions: [{ ...sleeper, mountPoints: [{ sourceVolume: volume.name, containerPath: "/v" }] }] }));
      const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "guarded", taskDefinition: family }));
      const stopped = await waitForTask(ecs, "guarded", tasks![0]!.taskArn!, "STOPPED");
      assert.equal(stopped.stopCode, "TaskFailedToStart");
      assert.equal(stopped.stoppedReason, reason);
      assert.equal(stopped.containers?.[0]?.runtimeId, undefined, "no container was created");
      // A task-scoped volume would be ecs-<task id>-<name>; none was made.
      const { stdout } = await run("docker", ["volume", "ls", "-q", "--filter", `name=${stopped.taskArn!.split("/").pop()}`]);
      assert.equal(stdout.trim(), "", "no volume was created");
    }
  } finally {
    await run("docker", ["volume", "rm", FOREIGN_VOLUME]);
  }
});
