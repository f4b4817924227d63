import { test } from "node:test";
import assert from "node:assert/strict";
import type { Task } from "@aws-sdk/client-ecs";
import { cpuUnitsOf, memoryMiBOf, taskReservation, taskUse, utilization } from "./utilization.js";
import { taskCountSamples, utilizationSamples } from "./ecs-metric-samples.js";

const clusterArn = "arn:aws:ecs:us-east-1:111122223333:cluster/dev";
const task = (id: string, over: Partial<Task>): Task => ({ taskArn: `arn:aws:ecs:us-east-1:111122223333:task/dev/${id}`, clusterArn, lastStatus: "RUNNING", ...over });
const at = new Date("2026-03-01T00:00:00Z");

test("ECS's documented example: 512 CPU units and 1,024 MiB (hard limit) reserved; busy 400% and 50%, idle 25% and 12.5%", () => {
  // "the task definition for a service specifies a total of 512 CPU units and 1,024 MiB of memory
  // (with the hard limit memory parameter) for all of its containers"
  const t = task("a", { containers: [{ name: "web", cpu: "256", memory: "512" }, { name: "sidecar", cpu: "256", memory: "512" }] });
  assert.deepEqual(taskReservation(t), { cpuUnits: 512, memoryMiB: 1024 });
  assert.deepEqual(utilization({ cpuUnits: 2048, memoryMiB: 512 }, taskReservation(t)), { cpu: 400, memory: 50 });
  assert.deepEqual(utilization({ cpuUnits: 128, memoryMiB: 128 }, taskReservation(t)), { cpu: 25, memory: 12.5 });
});

test("reservations: task-level sizes first (Fargate), else containers' cpu and soft limit over hard limit", () => {
  assert.deepEqual(taskReservation(task("b", { cpu: "256", memory: "512", containers: [{ name: "c", cpu: "128", memoryReservation: "128" }] })), { cpuUnits: 256, memoryMiB: 512 });
  assert.deepEqual(taskReservation(task("c", { containers: [{ name: "a", cpu: "100", memory: "1024", memoryReservation: "256" }, { name: "b", cpu: "0", memory: "128" }] })), { cpuUnits: 100, memoryMiB: 384 });
  assert.deepEqual(taskReservation(task("d", { containers: [{ name: "a", cpu: "0", memory: "64" }] })), { cpuUnits: 1024, memoryMiB: 64 }, "no CPU reserved: measured against one vCPU");
  assert.equal(cpuUnitsOf("1 vCPU"), 1024);
  assert.equal(cpuUnitsOf("0.25 vcpu"), 256);
  assert.equal(memoryMiBOf("2 GB"), 2048);
  assert.equal(memoryMiBOf(undefined), undefined);
  assert.deepEqual(taskUse([{ name: "a", cpuUnits: 10, memoryMiB: 1 }, { name: "b", cpuUnits: 5, memoryMiB: 2 }]), { cpuUnits: 15, memoryMiB: 3 });
});

test("service metrics: one data point per task, whose mean is the service's used over reserved; cluster metrics for EC2 tasks over registered capacity", () => {
  const web = (id: string, instance?: string): Task => task(id, { group: "service:web", cpu: "256", memory: "512", containerInstanceArn: instance, launchType: instance ? "EC2" : "FARGATE" });
  const tasks = [
    { task: web("1", "arn:aws:ecs:us-east-1:111122223333:container-instance/dev/i1"), use: { cpuUnits: 512, memoryMiB: 128 } },
    { task: web("2"), use: { cpuUnits: 0, memoryMiB: 256 } },
    { task: task("3", { group: "family:batch", containerInstanceArn: "arn:aws:ecs:us-east-1:111122223333:container-instance/dev/i1", launchType: "EC2", containers: [{ name: "x", cpu: "1024", memory: "1024" }] }), use: { cpuUnits: 512, memoryMiB: 896 } },
  ];
  const out = utilizationSamples(tasks, new Map([[clusterArn, { cpuUnits: 4096, memoryMiB: 8192 }]]), at);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.scope, { account: "111122223333", region: "us-east-1" });
  const values = (metric: string, dims: string) =>
    out[0]!.samples.filter((s) => s.metricName === metric && s.dimensions.map((d) => `${d.name}=${d.value}`).join(",") === dims).map((s) => s.value);
  assert.deepEqual(values("CPUUtilization", "ClusterName=dev,ServiceName=web"), [200, 0]);
  assert.deepEqual(values("MemoryUtilization", "ClusterName=dev,ServiceName=web"), [25, 50]);
  // Cluster: the EC2 tasks' 1024 units and 1024 MiB over 4096 units and 8192 MiB registered; the Fargate task is not in it.
  assert.deepEqual(values("CPUUtilization", "ClusterName=dev"), [25]);
  assert.deepEqual(values("MemoryUtilization", "ClusterName=dev"), [12.5]);
  assert.ok(out[0]!.samples.every((s) => s.namespace === "AWS/ECS" && s.unit === "Percent" && s.timestamp === at));
  assert.deepEqual(utilizationSamples(tasks, new Map(), at)[0]!.samples.filter((s) => s.dimensions.length === 1), [], "no registered instances, no cluster metrics");
});

test("Container Insights task counts per ClusterName and ServiceName", () => {
  const [batch] = taskCountSamples([{ serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/dev/web", clusterName: "dev", running: 2, pending: 1, desired: 3 }], at);
  assert.deepEqual(batch!.scope, { account: "111122223333", region: "eu-west-1" });
  assert.deepEqual(batch!.samples.map((s) => [s.namespace, s.metricName, s.value, s.unit, s.dimensions]), [
    ["ECS/ContainerInsights", "RunningTaskCount", 2, "Count", [{ name: "ClusterName", value: "dev" }, { name: "ServiceName", value: "web" }]],
    ["ECS/ContainerInsights", "PendingTaskCount", 1, "Count", [{ name: "ClusterName", value: "dev" }, { name: "ServiceName", value: "web" }]],
    ["ECS/ContainerInsights", "DesiredTaskCount", 3, "Count", [{ name: "ClusterName", value: "dev" }, { name: "ServiceName", value: "web" }]],
  ]);
});
