import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCpu, parseMemory, planTask, taskIdOf } from "./task-plan.js";
import type { LaunchSpec } from "./protocol/task-runner.js";

const arn = "arn:aws:ecs:us-east-1:000000000000:task/dev/0123456789abcdef0123456789abcdef";

test("task sizes parse in both of ECS's notations", () => {
  assert.equal(parseCpu("1024"), 1024);
  assert.equal(parseCpu("1 vCPU"), 1024);
  assert.equal(parseCpu("0.25 vcpu"), 256);
  assert.equal(parseCpu(undefined), undefined);
  assert.equal(parseCpu("lots"), undefined);
  assert.equal(parseMemory("512"), 512);
  assert.equal(parseMemory("2 GB"), 2048);
  assert.equal(parseMemory("0.5GB"), 512);
  assert.equal(parseMemory(""), undefined);
});

test("planTask applies container and task overrides and ECS's defaults", () => {
  const plan = planTask({
    task: {
      taskArn: arn,
      clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/dev",
      launchType: "EC2",
      overrides: {
        memory: "1024",
        containerOverrides: [{ name: "web", command: ["serve", "--fast"], environment: [{ name: "B", value: "override" }, { name: "C", value: "3" }], cpu: 64, memory: 128, memoryReservation: 64 }],
      },
    },
    taskDefinition: {
      family: "app",
      revision: 3,
      cpu: "512",
      memory: "2048",
      containerDefinitions: [
        { name: "web", image: "img:1", command: ["serve"], environment: [{ name: "A", value: "1" }, { name: "B", value: "2" }], cpu: 10, memory: 256 },
        { name: "side", image: "img:2", essential: false, stopTimeout: 5, startTimeout: 9, healthCheck: { command: ["CMD", "true"] } },
      ],
    },
  });
  assert.equal(plan.taskId, "0123456789abcdef0123456789abcdef");
  assert.equal(plan.networkMode, "bridge");
  assert.equal(plan.cpuUnits, 512);
  assert.equal(plan.memoryMiB, 1024, "task override wins over the definition");
  const [web, side] = plan.containers;
  assert.deepEqual(web!.def.command, ["serve", "--fast"]);
  assert.deepEqual(web!.def.environment, [{ name: "A", value: "1" }, { name: "B", value: "override" }, { name: "C", value: "3" }]);
  assert.equal(web!.def.cpu, 64);
  assert.equal(web!.def.memory, 128);
  assert.equal(web!.def.memoryReservation, 64);
  assert.equal(web!.essential, true);
  assert.equal(web!.stopTimeout, 30);
  assert.equal(web!.startTimeout, 180);
  assert.equal(web!.hasHealthCheck, false);
  assert.equal(web!.dockerName, "ecs-app-3-web-0123456789abcdef0123456789abcdef");
  assert.equal(side!.essential, false);
  assert.equal(side!.stopTimeout, 5);
  assert.equal(side!.startTimeout, 9);
  assert.equal(side!.hasHealthCheck, true);
});

test("Fargate tasks are always awsvpc; EC2 tasks take the definition's mode, bridge by default", () => {
  const def = { family: "f", containerDefinitions: [{ name: "c", image: "i" }] };
  assert.equal(planTask({ task: { taskArn: arn, launchType: "FARGATE" }, taskDefinition: { ...def, networkMode: "bridge" } }).networkMode, "awsvpc");
  assert.equal(planTask({ task: { taskArn: arn, capacityProviderName: "FARGATE_SPOT" }, taskDefinition: def }).networkMode, "awsvpc");
  assert.equal(planTask({ task: { taskArn: arn, launchType: "EC2" }, taskDefinition: def }).networkMode, "bridge");
  assert.equal(planTask({ task: { taskArn: arn, launchType: "EC2" }, taskDefinition: { ...def, networkMode: "host" } }).networkMode, "host");
});

test("volumes: host paths bind, task-scoped and unnamed volumes get per-task Docker volumes, shared keep their name", () => {
  const plan = planTask({
    task: { taskArn: arn },
    taskDefinition: {
      family: "f",
      containerDefinitions: [],
      volumes: [
        { name: "hostdir", host: { sourcePath: "/srv/data" } },
        { name: "scratch" },
        { name: "cache", dockerVolumeConfiguration: { scope: "task", driver: "local", labels: { a: "b" } } },
        { name: "shared", dockerVolumeConfiguration: { scope: "shared", autoprovision: true } },
      ],
    },
  });
  assert.deepEqual(plan.volumes.map((v) => [v.name, v.kind, v.source]), [
    ["hostdir", "host", "/srv/data"],
    ["scratch", "task", "ecs-0123456789abcdef0123456789abcdef-scratch"],
    ["cache", "task", "ecs-0123456789abcdef0123456789abcdef-cache"],
    ["shared", "shared", "shared"],
  ]);
  assert.equal(taskIdOf("arn:aws:ecs:us-east-1:1:task/abc"), "abc");
});

test("planTask keeps the host address of the task's container instance, where its bridge ports go", () => {
  const spec: LaunchSpec = { task: { taskArn: arn, launchType: "EC2" }, taskDefinition: { family: "app", containerDefinitions: [{ name: "web", image: "img" }] } };
  assert.equal(planTask({ ...spec, hostIp: "127.0.1.2" }).hostIp, "127.0.1.2");
  assert.equal(planTask(spec).hostIp, undefined, "absent: the runner's hostIp applies");
});
