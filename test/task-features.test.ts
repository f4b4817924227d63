import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateClusterCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { BerthProcess, berthBin } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask, httpGet } from "./wait.js";

const run = promisify(execFile);
let berth: BerthProcess;
let ecs: ECSClient;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "features" }));
  // EC2 tasks need a container instance in their cluster, as on AWS.
  await ecs.send(new RegisterContainerInstanceCommand({ cluster: "features" }));
});
after(async () => {
  await berth.dispose();
});

const inspect = async (id: string) => JSON.parse((await run("docker", ["inspect", id])).stdout)[0];
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
async function stopAndWait(arn: string) {
  await ecs.send(new StopTaskCommand({ cluster: "features", task: arn }));
  return waitForTask(ecs, "features", arn, "STOPPED");
}

test("limits, overrides, docker labels and host bind mounts reach the engine", async () => {
  const host = mkdtempSync(join(tmpdir(), "berth-bind-"));
  chmodSync(host, 0o777);
  try {
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "limits", networkMode: "bridge",
      volumes: [{ name: "data", host: { sourcePath: host } }],
      containerDefinitions: [{
        name: "app", image: TEST_IMAGE, cpu: 128, memory: 96, memoryReservation: 48, stopTimeout: 1,
        dockerLabels: { "team": "core" },
        mountPoints: [{ sourceVolume: "data", containerPath: "/data" }],
        command: ["sh", "-c", "echo written-by-task > /data/out.txt; exec sleep 600"],
      }],
    }));
    const { tasks } = await ecs.send(new RunTaskCommand({
      cluster: "features", taskDefinition: "limits",
      overrides: { containerOverrides: [{ name: "app", memory: 128 }] },
    }));
    const running = await waitForTask(ecs, "features", tasks![0]!.taskArn!, "RUNNING");
    assert.equal(running.containers?.[0]?.memory, "128");
    const info = await inspect(running.containers![0]!.runtimeId!);
    assert.equal(info.HostConfig.Memory, 128 * 1024 * 1024);
    assert.equal(info.HostConfig.MemoryReservation, 48 * 1024 * 1024);
    assert.equal(info.HostConfig.CpuShares, 128);
    assert.equal(info.Config.Labels.team, "core");
    assert.equal(info.Config.Labels["com.amazonaws.ecs.task-arn"], running.taskArn);
    await waitFor("the bind mount is written", async () => {
      try {
        return readFileSync(join(host, "out.txt"), "utf8").trim() === "written-by-task" ? true : undefined;
      } catch {
        return undefined;
      }
    });
    await stopAndWait(running.taskArn!);
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

test("host network mode: the container listens on the host's own network", async () => {
  const port = await freePort();
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "hostnet", networkMode: "host",
    containerDefinitions: [{
      name: "web", image: TEST_IMAGE, memory: 64, stopTimeout: 1,
      entryPoint: ["sh", "-c"], command: [`mkdir -p /www && echo on-host > /www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /www`],
      portMappings: [{ containerPort: port }],
    }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "features", taskDefinition: "hostnet" }));
  const running = await waitForTask(ecs, "features", tasks![0]!.taskArn!, "RUNNING");
  const page = await waitFor("host-mode web answers", () => httpGet(`http://127.0.0.1:${port}/`));
  assert.equal(page.body.trim(), "on-host");
  await stopAndWait(running.taskArn!);
});

test("none network mode: the container has only a loopback interface", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "nonet", networkMode: "none",
    containerDefinitions: [{ name: "c", image: TEST_IMAGE, memory: 32, command: ["sh", "-c", "cat /proc/net/dev"] }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "features", taskDefinition: "nonet" }));
  const stopped = await waitForTask(ecs, "features", tasks![0]!.taskArn!, "STOPPED");
  assert.equal(stopped.containers?.[0]?.exitCode, 0);
  const { stdout } = await run(process.execPath, [berthBin, "logs", stopped.taskArn!, "--endpoint", berth.endpoint]);
  assert.match(stdout, /\blo:/);
  assert.doesNotMatch(stdout, /\beth0:/);
});

test("Fargate: health checks make the task HEALTHY, dependsOn orders the sidecar", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "healthy", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [
      {
        name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1,
        entryPoint: ["sh", "-c"], command: ["mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"],
        portMappings: [{ containerPort: 8080 }],
        healthCheck: { command: ["CMD-SHELL", "wget -q -O - http://localhost:8080/ || exit 1"], interval: 5, timeout: 2, retries: 3, startPeriod: 0 },
      },
      {
        name: "sidecar", image: TEST_IMAGE, essential: true, stopTimeout: 1,
        dependsOn: [{ containerName: "web", condition: "HEALTHY" }],
        // Reaches web over the task's shared localhost.
        command: ["sh", "-c", "wget -q -O - http://localhost:8080/ && exec sleep 600"],
      },
    ],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({
    cluster: "features", taskDefinition: "healthy", launchType: "FARGATE",
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  }));
  const arn = tasks![0]!.taskArn!;
  const healthy = await waitFor("task HEALTHY", async () => {
    const t = await waitForTask(ecs, "features", arn, "RUNNING");
    return t.healthStatus === "HEALTHY" ? t : undefined;
  }, 90_000);
  assert.equal(healthy.containers?.find((c) => c.name === "web")?.healthStatus, "HEALTHY");
  const { stdout } = await run(process.execPath, [berthBin, "logs", arn, "--endpoint", berth.endpoint]);
  assert.match(stdout, /sidecar \| ok/);
  await stopAndWait(arn);
});
