import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerDefinition, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { containerCreateOptions, cpuShares, pauseContainerOptions } from "./container-spec.js";
import { planTask } from "./task-plan.js";
import { bindingsFromInspect, hostModeBindings } from "./port-bindings.js";
import { TaskError } from "./errors.js";

const taskArn = "arn:aws:ecs:us-east-1:000000000000:task/dev/abc123";
const clusterArn = "arn:aws:ecs:us-east-1:000000000000:cluster/dev";
const MiB = 1024 * 1024;

function spec(defs: ContainerDefinition[], td: Partial<TaskDefinition> = {}, task: Partial<Task> = {}) {
  const plan = planTask({ task: { taskArn, clusterArn, launchType: "EC2", ...task }, taskDefinition: { family: "web", revision: 2, containerDefinitions: defs, ...td } });
  return { plan, opts: (name: string, extra: object = {}) => containerCreateOptions({ berthId: "b1", plan, container: plan.containers.find((c) => c.name === name)!, hostIp: "127.0.0.1", policy: { allowPrivileged: true }, ...extra }) };
}

test("a bridge container: command, environment, resources, labels, health check, ports, links, mounts", () => {
  const { opts } = spec(
    [
      { name: "db", image: "db:1" },
      {
        name: "app",
        image: "app:1",
        entryPoint: ["/bin/sh", "-c"],
        command: ["exec httpd -f"],
        environment: [{ name: "A", value: "1" }],
        workingDirectory: "/srv",
        user: "1000:1000",
        cpu: 256,
        memory: 512,
        memoryReservation: 128,
        readonlyRootFilesystem: true,
        hostname: "app-host",
        ulimits: [{ name: "nofile", softLimit: 1024, hardLimit: 4096 }],
        dockerLabels: { team: "core", [`berth.instance`]: "spoofed" },
        healthCheck: { command: ["CMD-SHELL", "true"], interval: 10 },
        portMappings: [{ containerPort: 80 }, { containerPort: 53, hostPort: 5353, protocol: "udp" }],
        links: ["db:database"],
        mountPoints: [{ sourceVolume: "data", containerPath: "/data", readOnly: true }, { sourceVolume: "host", containerPath: "/h" }],
        volumesFrom: [{ sourceContainer: "db", readOnly: true }],
        stopTimeout: 7,
      },
    ],
    { volumes: [{ name: "data" }, { name: "host", host: { sourcePath: "/tmp/h" } }] },
  );
  const o = opts("app");
  assert.equal(o.name, "ecs-web-2-app-abc123");
  assert.equal(o.Image, "app:1");
  assert.deepEqual(o.Entrypoint, ["/bin/sh", "-c"]);
  assert.deepEqual(o.Cmd, ["exec httpd -f"]);
  assert.deepEqual(o.Env, ["A=1"]);
  assert.equal(o.WorkingDir, "/srv");
  assert.equal(o.User, "1000:1000");
  assert.equal(o.Hostname, "app-host");
  assert.equal(o.StopTimeout, 7);
  assert.equal(o.Labels!["team"], "core");
  assert.equal(o.Labels!["berth.instance"], "b1", "Berth's labels cannot be overridden by dockerLabels");
  assert.equal(o.Labels!["berth.task-arn"], taskArn);
  assert.equal(o.Labels!["berth.cluster"], clusterArn);
  assert.equal(o.Labels!["berth.container-name"], "app");
  assert.equal(o.Labels!["com.amazonaws.ecs.container-name"], "app");
  assert.deepEqual(o.Healthcheck, { Test: ["CMD-SHELL", "true"], Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 0 });
  assert.deepEqual(o.ExposedPorts, { "80/tcp": {}, "53/udp": {} });
  const h = o.HostConfig!;
  assert.equal(h.NetworkMode, "bridge");
  assert.deepEqual(h.PortBindings, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }], "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }] });
  assert.deepEqual(h.Links, ["ecs-web-2-db-abc123:database"]);
  assert.deepEqual(h.Binds, ["ecs-abc123-data:/data:ro", "/tmp/h:/h"]);
  assert.deepEqual(h.VolumesFrom, ["ecs-web-2-db-abc123:ro"]);
  assert.equal(h.CpuShares, 256);
  assert.equal(h.Memory, 512 * MiB);
  assert.equal(h.MemoryReservation, 128 * MiB);
  assert.equal(h.ReadonlyRootfs, true);
  assert.deepEqual(h.Ulimits, [{ Name: "nofile", Soft: 1024, Hard: 4096 }]);
  assert.equal(h.CgroupParent, undefined);
});

test("CPU units become shares clamped to 2..262144, as ECS does on Linux", () => {
  assert.equal(cpuShares(undefined), 2);
  assert.equal(cpuShares(0), 2);
  assert.equal(cpuShares(1), 2);
  assert.equal(cpuShares(512), 512);
  assert.equal(cpuShares(300000), 262144);
});

test("awsvpc containers join the pause container, which publishes every port on the task's address", () => {
  const { plan, opts } = spec(
    [
      { name: "web", image: "w", portMappings: [{ containerPort: 8080 }], hostname: "ignored", dnsServers: ["127.0.0.53"] },
      { name: "sidecar", image: "s", portMappings: [{ containerPort: 9000, protocol: "udp" }] },
    ],
    { networkMode: "awsvpc" },
  );
  const o = opts("web", { pauseContainerId: "pause123", cgroupParent: "/berth/b1/abc123" });
  assert.equal(o.HostConfig!.NetworkMode, "container:pause123");
  assert.equal(o.Hostname, undefined);
  assert.equal(o.ExposedPorts, undefined);
  assert.equal(o.HostConfig!.PortBindings, undefined);
  assert.equal(o.HostConfig!.CgroupParent, "/berth/b1/abc123");
  const p = pauseContainerOptions({ berthId: "b1", plan, image: "berth/pause:x", taskIp: "127.10.0.9", cgroupParent: "/berth/b1/abc123" });
  assert.equal(p.Image, "berth/pause:x");
  assert.equal(p.Hostname, "ip-127-10-0-9");
  assert.equal(p.Labels!["berth.pause"], "true");
  assert.equal(p.Labels!["berth.task-ip"], "127.10.0.9");
  assert.equal(p.Labels!["berth.task-arn"], taskArn);
  assert.deepEqual(p.HostConfig!.PortBindings, { "8080/tcp": [{ HostIp: "127.10.0.9", HostPort: "8080" }], "9000/udp": [{ HostIp: "127.10.0.9", HostPort: "9000" }] });
  assert.deepEqual(p.HostConfig!.Dns, ["127.0.0.53"]);
  assert.equal(p.HostConfig!.NetworkMode, "bridge");
  assert.equal(p.HostConfig!.CgroupParent, "/berth/b1/abc123");
});

test("host and none modes", () => {
  const host = spec([{ name: "c", image: "i", portMappings: [{ containerPort: 80 }], hostname: "h" }], { networkMode: "host" }).opts("c");
  assert.equal(host.HostConfig!.NetworkMode, "host");
  assert.equal(host.HostConfig!.PortBindings, undefined);
  assert.equal(host.Hostname, undefined);
  const none = spec([{ name: "c", image: "i" }], { networkMode: "none" }).opts("c");
  assert.equal(none.HostConfig!.NetworkMode, "none");
});

test("without a per-task cgroup the task size is applied to each container", () => {
  const { opts } = spec([{ name: "c", image: "i", memory: 4096 }, { name: "d", image: "i" }], { cpu: "512", memory: "1024" });
  const c = opts("c", { taskLimitsPerContainer: true });
  assert.equal(c.HostConfig!.Memory, 1024 * MiB, "the smaller of the container's and the task's");
  assert.equal(c.HostConfig!.NanoCpus, 0.5e9);
  const d = opts("d", { taskLimitsPerContainer: true });
  assert.equal(d.HostConfig!.Memory, 1024 * MiB);
  const e = opts("d", { cgroupParent: "/berth/b1/abc123" });
  assert.equal(e.HostConfig!.Memory, undefined, "the per-task cgroup enforces it instead");
  assert.equal(e.HostConfig!.NanoCpus, undefined);
});

test("a mount point naming an undeclared volume is a CannotCreateContainerError", () => {
  const { opts } = spec([{ name: "c", image: "i", mountPoints: [{ sourceVolume: "nope", containerPath: "/x" }] }]);
  assert.throws(() => opts("c"), (e: unknown) => e instanceof TaskError && e.reason.startsWith("CannotCreateContainerError: ") && e.container === "c");
});

test("network bindings are read back from the engine's port map", () => {
  const mappings = [{ containerPort: 80 }, { containerPort: 53, protocol: "udp" as const }, { containerPort: 81 }];
  assert.deepEqual(
    bindingsFromInspect(mappings, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "49153" }], "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }], "81/tcp": null }),
    [
      { bindIP: "127.0.0.1", containerPort: 80, hostPort: 49153, protocol: "tcp" },
      { bindIP: "127.0.0.1", containerPort: 53, hostPort: 5353, protocol: "udp" },
    ],
  );
  assert.deepEqual(hostModeBindings([{ containerPort: 8080 }]), [{ bindIP: "0.0.0.0", containerPort: 8080, hostPort: 8080, protocol: "tcp" }]);
});
