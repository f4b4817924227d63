import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, ListClustersCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, DescribeTasksCommand,
  RegisterContainerInstanceCommand,
} from "@aws-sdk/client-ecs";
import { BerthProcess, berthBin } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

const run = promisify(execFile);

test("acknowledged writes survive kill -9, running tasks are adopted, vanished ones are stopped", async () => {
  await ensureTestImage();
  const dataDir = mkdtempSync(join(tmpdir(), "berth-restart-"));
  let berth = await BerthProcess.start({ dataDir });
  try {
    let ecs = berth.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: "dev" }));
    // EC2 tasks need a container instance in their cluster, as on AWS; it stays registered across restarts.
    await ecs.send(new RegisterContainerInstanceCommand({ cluster: "dev" }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "sleeper", networkMode: "bridge",
      containerDefinitions: [{ name: "s", image: TEST_IMAGE, memory: 32, command: ["sleep", "600"], stopTimeout: 1 }],
    }));
    const names = Array.from({ length: 20 }, (_, i) => `acked-${i}`);
    await Promise.all(names.map((clusterName) => ecs.send(new CreateClusterCommand({ clusterName }))));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "talker", networkMode: "bridge",
      containerDefinitions: [{ name: "t", image: TEST_IMAGE, memory: 32, command: ["echo", "said-before-restart"] }],
    }));
    const talker = (await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "talker" }))).tasks![0]!;
    await waitForTask(ecs, "dev", talker.taskArn!, "STOPPED");
    const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "sleeper", count: 2 }));
    const [keep, lose] = await Promise.all(tasks!.map((t) => waitForTask(ecs, "dev", t.taskArn!, "RUNNING")));

    await berth.kill9();
    // While Berth is down, one task's container disappears.
    await run("docker", ["rm", "-f", lose!.containers![0]!.runtimeId!]);
    berth = await BerthProcess.start({ dataDir });
    ecs = berth.ecs();

    const { clusterArns } = await ecs.send(new ListClustersCommand({ maxResults: 100 }));
    for (const n of names) assert.ok(clusterArns?.some((a) => a.endsWith(`/${n}`)), `cluster ${n} survived`);

    const { tasks: after } = await ecs.send(new DescribeTasksCommand({ cluster: "dev", tasks: [keep!.taskArn!, lose!.taskArn!] }));
    const kept = after!.find((t) => t.taskArn === keep!.taskArn)!;
    assert.equal(kept.lastStatus, "RUNNING");
    assert.equal(kept.containers?.[0]?.runtimeId, keep!.containers?.[0]?.runtimeId);
    const lost = await waitForTask(ecs, "dev", lose!.taskArn!, "STOPPED");
    assert.match(lost.stoppedReason ?? "", /vanished|not running|while Berth/i);

    // A task that stopped before the restart is still describable, and its output still readable.
    const { stdout } = await run(process.execPath, [berthBin, "logs", talker.taskArn!, "--endpoint", berth.endpoint]);
    assert.match(stdout, /t \| said-before-restart/);

    // The adopted task is still managed: it stops when asked.
    await ecs.send(new StopTaskCommand({ cluster: "dev", task: keep!.taskArn! }));
    const stopped = await waitForTask(ecs, "dev", keep!.taskArn!, "STOPPED");
    assert.equal(stopped.stopCode, "UserInitiated");
  } finally {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("stopped tasks are forgotten after the retention period, and their containers removed", async () => {
  await ensureTestImage();
  const berth = await BerthProcess.start({ args: ["--stopped-task-retention-seconds", "2"] });
  try {
    const ecs = berth.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: "gc" }));
    await ecs.send(new RegisterContainerInstanceCommand({ cluster: "gc" }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "once", networkMode: "bridge",
      containerDefinitions: [{ name: "o", image: TEST_IMAGE, memory: 32, command: ["true"] }],
    }));
    const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "gc", taskDefinition: "once" }));
    const arn = tasks![0]!.taskArn!;
    const stopped = await waitForTask(ecs, "gc", arn, "STOPPED");
    const container = stopped.containers![0]!.runtimeId!;
    await waitFor("task forgotten", async () => {
      const d = await ecs.send(new DescribeTasksCommand({ cluster: "gc", tasks: [arn] }));
      return d.failures?.[0]?.reason === "MISSING" ? true : undefined;
    }, 30_000);
    const { stdout } = await run("docker", ["ps", "-a", "-q", "--no-trunc", "--filter", `id=${container}`]);
    assert.equal(stdout.trim(), "");
  } finally {
    await berth.dispose();
  }
});

test("a launch cut short by kill -9 resumes: the started container is adopted, the rest is created, the task runs", async () => {
  await ensureTestImage();
  const dataDir = mkdtempSync(join(tmpdir(), "berth-resume-"));
  let berth = await BerthProcess.start({ dataDir });
  try {
    let ecs = berth.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: "resume" }));
    // `side` waits for `main` to be HEALTHY (its first check comes after 5 s): the task sits in
    // PENDING with one container started and one not created yet.
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "two-step", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512",
      containerDefinitions: [
        { name: "main", image: TEST_IMAGE, essential: true, command: ["sleep", "600"], stopTimeout: 1, healthCheck: { command: ["CMD-SHELL", "true"], interval: 5, timeout: 2, retries: 1 } },
        { name: "side", image: TEST_IMAGE, essential: true, command: ["sleep", "600"], stopTimeout: 1, dependsOn: [{ containerName: "main", condition: "HEALTHY" }] },
      ],
    }));
    const { tasks } = await ecs.send(new RunTaskCommand({
      cluster: "resume", taskDefinition: "two-step", launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    }));
    const arn = tasks![0]!.taskArn!;
    const halfway = await waitFor("main started, side not yet", async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ cluster: "resume", tasks: [arn] }))).tasks![0]!;
      const main = t.containers!.find((c) => c.name === "main")!;
      return t.lastStatus === "PENDING" && main.lastStatus === "RUNNING" ? t : undefined;
    });
    await berth.kill9();
    berth = await BerthProcess.start({ dataDir });
    ecs = berth.ecs();

    const running = await waitForTask(ecs, "resume", arn, "RUNNING");
    const before = halfway.containers!.find((c) => c.name === "main")!.runtimeId;
    assert.equal(running.containers!.find((c) => c.name === "main")!.runtimeId, before, "main was adopted, not started again");
    assert.equal(running.containers!.find((c) => c.name === "side")!.lastStatus, "RUNNING");
    assert.equal(running.stopCode, undefined);
    const address = (t: typeof running) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value;
    assert.equal(address(running), address(halfway), "the task keeps the address its network was given");
    // One container per task container: nothing ran twice.
    const { stdout } = await run("docker", ["ps", "-a", "-q", "--filter", `label=berth.task-arn=${arn}`, "--filter", "label=berth.container-name"]);
    assert.equal(stdout.trim().split("\n").length, 2);
  } finally {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
