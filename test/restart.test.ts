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
