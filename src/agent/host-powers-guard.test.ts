import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerDefinition, TaskDefinition } from "@aws-sdk/client-ecs";
import { containerCreateOptions } from "./container-spec.js";
import { planTask } from "./task-plan.js";
import { TaskError } from "./errors.js";
import type { HostPolicy } from "../core/host-policy.js";
import { existingVolumeRefusal, volumeRefusal } from "./host-powers-guard.js";

const taskArn = "arn:aws:ecs:us-east-1:000000000000:task/dev/abc123";
const clusterArn = "arn:aws:ecs:us-east-1:000000000000:cluster/dev";

/** The container spec of a task's only container, as the agent would build it. */
function create(def: ContainerDefinition, td: Partial<TaskDefinition>, launchType: "EC2" | "FARGATE", policy: HostPolicy = { allowPrivileged: true }) {
  const plan = planTask({ task: { taskArn, clusterArn, launchType }, taskDefinition: { family: "f", revision: 1, containerDefinitions: [{ mountPoints: [], ...def }], ...td } });
  return () => containerCreateOptions({ berthId: "b1", plan, container: plan.containers[0]!, hostIp: "127.0.0.1", pauseContainerId: "pause", policy });
}

function refused(build: () => unknown, message: string) {
  assert.throws(build, (e: unknown) => {
    assert.ok(e instanceof TaskError, `expected a TaskError, got ${String(e)}`);
    assert.equal(e.reason, `ResourceInitializationError: ${message}`);
    assert.equal(e.container, "c");
    return true;
  });
}

const c: ContainerDefinition = { name: "c", image: "busybox" };
const hostVolume = { volumes: [{ name: "h", host: { sourcePath: "/etc" } }] };
const mountsHost: ContainerDefinition = { ...c, mountPoints: [{ sourceVolume: "h", containerPath: "/h" }] };

test("a Fargate launch never gets the host's powers, whatever reached the agent", () => {
  refused(create({ ...c, privileged: true }, {}, "FARGATE"), "Fargate tasks cannot run privileged containers");
  refused(create(mountsHost, hostVolume, "FARGATE"), "Fargate tasks cannot bind host path /etc");
  refused(create({ ...c, linuxParameters: { capabilities: { add: ["SYS_ADMIN"] } } }, {}, "FARGATE"), "Fargate tasks cannot add the SYS_ADMIN capability");
  refused(create({ ...c, dockerSecurityOptions: ["apparmor=unconfined"] }, {}, "FARGATE"), "Fargate tasks cannot set Docker security options");
  // networkMode host in the definition: the plan forces awsvpc for Fargate, so the container joins the pause container.
  assert.equal(create(c, { networkMode: "host" }, "FARGATE")().HostConfig?.NetworkMode, "container:pause");
  assert.deepEqual(create({ ...c, linuxParameters: { capabilities: { add: ["SYS_PTRACE"] } } }, {}, "FARGATE")().HostConfig?.CapAdd, ["SYS_PTRACE"]);
});

test("an EC2 launch keeps ECS's powers unless this host's policy refuses them", () => {
  assert.equal(create({ ...c, privileged: true }, {}, "EC2")().HostConfig?.Privileged, true);
  assert.deepEqual(create(mountsHost, hostVolume, "EC2")().HostConfig?.Binds, ["/etc:/h"]);
  refused(create({ ...c, privileged: true }, {}, "EC2", { allowPrivileged: false }), "The operator's policy does not allow privileged containers (container c).");
  refused(create(mountsHost, hostVolume, "EC2", { allowPrivileged: true, hostPathAllowList: ["/srv"] }), "The operator's policy does not allow the host path /etc.");
  refused(create({ ...c, linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } }, {}, "EC2", { allowPrivileged: true, allowedCapabilities: [] }),
    "The operator's policy does not allow adding the NET_ADMIN capability (container c).");
  // A declared host volume no container mounts binds nothing, so it asks nothing of the host.
  assert.ok(create(c, hostVolume, "EC2", { allowPrivileged: true, hostPathAllowList: [] })());
});

test("allowPrivileged false: the agent refuses host network, unconfining security options, host sysctls and root-equivalent capabilities", () => {
  const strict: HostPolicy = { allowPrivileged: false };
  refused(create(c, { networkMode: "host" }, "EC2", strict), "The operator's policy does not allow network mode host.");
  refused(create({ ...c, dockerSecurityOptions: ["seccomp=unconfined"] }, {}, "EC2", strict), "The operator's policy does not allow the Docker security option seccomp=unconfined (container c).");
  refused(create({ ...c, systemControls: [{ namespace: "kernel.panic", value: "1" }] }, {}, "EC2", strict), "The operator's policy does not allow the system control kernel.panic (container c).");
  refused(create({ ...c, linuxParameters: { capabilities: { add: ["SYS_ADMIN"] } } }, {}, "EC2", strict), "The operator's policy does not allow adding the SYS_ADMIN capability (container c).");
  const ok = create({ ...c, dockerSecurityOptions: ["no-new-privileges"], systemControls: [{ namespace: "net.ipv4.ip_forward", value: "1" }], linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } }, { networkMode: "bridge" }, "EC2", strict)();
  assert.deepEqual(ok.HostConfig?.SecurityOpt, ["no-new-privileges"]);
  // Open by default, as on ECS.
  assert.equal(create(c, { networkMode: "host" }, "EC2")().HostConfig?.NetworkMode, "host");
});

test("under a host path allow-list the agent refuses binding Docker volumes, other drivers, and volumes Berth did not create", () => {
  const policy: HostPolicy = { allowPrivileged: true, hostPathAllowList: ["/srv"] };
  assert.equal(volumeRefusal({ name: "v", driver: "local", driverOpts: { type: "none", o: "bind", device: "/etc" } }, policy), "The operator's policy does not allow the host path /etc.");
  assert.equal(volumeRefusal({ name: "v", driver: "local", driverOpts: { type: "none", o: "bind", device: "/etc" } }, { allowPrivileged: true }), undefined);
  assert.equal(volumeRefusal({ name: "v", driver: "local" }, policy), undefined);
  const ours = { Driver: "local", Options: null, Labels: { "berth.instance": "b1" } };
  assert.equal(existingVolumeRefusal("data", ours, "b1", policy), undefined);
  assert.equal(existingVolumeRefusal("data", { ...ours, Labels: null }, "b1", policy), "The operator's policy does not allow the Docker volume data, which Berth did not create.");
  assert.equal(existingVolumeRefusal("data", ours, "another-berth", policy), "The operator's policy does not allow the Docker volume data, which Berth did not create.");
  assert.equal(existingVolumeRefusal("data", { ...ours, Options: { type: "none", o: "bind", device: "/etc" } }, "b1", policy), "The operator's policy does not allow the host path /etc.",
    "made by Berth under an older, looser policy");
  assert.equal(existingVolumeRefusal("data", { ...ours, Labels: null }, "b1", { allowPrivileged: true }), undefined, "without a list, as on ECS");
});
