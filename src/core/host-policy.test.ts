import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerVolumeViolation, hostPathAllowed, hostPolicyViolation, type HostPolicy, type HostRequest } from "./host-policy.js";

let root: string;
before(() => {
  // Real directories and links: the rule is about what the kernel would resolve, so test on a real filesystem.
  root = realpathSync(mkdtempSync(join(tmpdir(), "berth-host-policy-")));
  mkdirSync(join(root, "allowed/data"), { recursive: true });
  mkdirSync(join(root, "secret"));
  symlinkSync(join(root, "secret"), join(root, "allowed/escape"));
  symlinkSync(join(root, "allowed/data"), join(root, "alias"));
});
after(() => rmSync(root, { recursive: true, force: true }));

test("a host path must be an allowed prefix or under one, after resolving links", () => {
  const list = [join(root, "allowed")];
  assert.equal(hostPathAllowed(join(root, "allowed"), list), true);
  assert.equal(hostPathAllowed(join(root, "allowed/data"), list), true);
  assert.equal(hostPathAllowed(join(root, "allowed/data/"), list), true);
  assert.equal(hostPathAllowed(join(root, "allowed/not-yet/created"), list), true, "Docker creates missing directories; they hold no link");
  assert.equal(hostPathAllowed(join(root, "alias"), list), true, "a link from outside into the allowed directory resolves into it");
  assert.equal(hostPathAllowed(join(root, "allowed-not"), list), false, "a prefix is a whole path component");
  assert.equal(hostPathAllowed(join(root, "secret"), list), false);
  assert.equal(hostPathAllowed(join(root, "allowed/escape"), list), false, "a link inside leading out is refused");
  assert.equal(hostPathAllowed(join(root, "allowed/escape/new-dir"), list), false, "nor a missing path under such a link");
  assert.equal(hostPathAllowed(`${root}/allowed/../secret`, list), false, "'..' is refused outright");
  assert.equal(hostPathAllowed(`${root}/allowed/data/..`, list), false);
  assert.equal(hostPathAllowed("allowed/data", list), false, "relative paths are refused");
  assert.equal(hostPathAllowed(join(root, "allowed/data"), [join(root, "alias")]), true, "allow-list entries are resolved too");
  assert.equal(hostPathAllowed("/etc", ["/"]), true);
  assert.equal(hostPathAllowed("/etc", []), false);
});

test("the policy names what it refuses", () => {
  const open: HostPolicy = { allowPrivileged: true };
  const task = { containers: [{ name: "web", privileged: true, capabilities: ["NET_ADMIN", "CAP_SYS_TIME"] }], hostPaths: ["/etc"] };
  assert.equal(hostPolicyViolation(task, open), undefined, "by default everything ECS allows is allowed");
  assert.equal(hostPolicyViolation(task, { allowPrivileged: false }), "The operator's policy does not allow privileged containers (container web).");
  assert.equal(hostPolicyViolation(task, { ...open, allowedCapabilities: ["NET_ADMIN"] }), "The operator's policy does not allow adding the CAP_SYS_TIME capability (container web).");
  assert.equal(hostPolicyViolation(task, { ...open, allowedCapabilities: ["cap_net_admin", "SYS_TIME"] }), undefined, "names compare without CAP_ and case");
  assert.equal(hostPolicyViolation(task, { ...open, allowedCapabilities: [] }), "The operator's policy does not allow adding the NET_ADMIN capability (container web).");
  assert.equal(hostPolicyViolation(task, { ...open, hostPathAllowList: ["/srv"] }), "The operator's policy does not allow the host path /etc.");
  assert.equal(hostPolicyViolation({ ...task, hostPaths: [] }, { ...open, hostPathAllowList: [] }), undefined);
});

test("under a host path allow-list, a Docker volume may not bind what a host volume may not", () => {
  const list = [join(root, "allowed")];
  const bind = (driverOpts: Record<string, string>, driver?: string) => dockerVolumeViolation({ name: "v", driver, driverOpts }, list);
  assert.equal(bind({ type: "none", o: "bind", device: "/etc" }), "The operator's policy does not allow the host path /etc.");
  assert.equal(bind({ o: "rbind,ro", device: "/etc" }), "The operator's policy does not allow the host path /etc.", "o naming bind is a bind whatever the type");
  assert.equal(bind({ type: "none", device: "/etc" }), "The operator's policy does not allow the host path /etc.", "type none is a bind");
  assert.equal(bind({ type: "none", o: "bind", device: join(root, "allowed/escape") }), `The operator's policy does not allow the host path ${join(root, "allowed/escape")}.`, "links are resolved as for host volumes");
  assert.equal(bind({ type: "none", o: "bind" }), "The operator's policy does not allow the host path .");
  assert.equal(bind({ type: "none", o: "bind", device: join(root, "allowed/data") }), undefined);
  assert.equal(bind({ type: "ext4", device: "/dev/sda1" }), "The operator's policy does not allow mounting /dev/sda1 (volume v).");
  assert.equal(bind({ type: "nfs", o: "addr=127.0.0.1", device: ":/" }), "The operator's policy does not allow mounting :/ (volume v).");
  assert.equal(bind({ type: "tmpfs", device: "tmpfs", o: "size=10m" }), undefined);
  assert.equal(bind({}), undefined, "a plain local volume");
  assert.equal(bind({}, "local"), undefined);
  assert.equal(bind({}, "rexray/ebs"), "The operator's policy does not allow the volume driver rexray/ebs (volume v).");
  const task: HostRequest = { containers: [], hostPaths: [], dockerVolumes: [{ name: "v", driverOpts: { type: "none", o: "bind", device: "/etc" } }] };
  assert.equal(hostPolicyViolation(task, { allowPrivileged: true }), undefined, "without a list, as on ECS");
  assert.equal(hostPolicyViolation(task, { allowPrivileged: true, hostPathAllowList: list }), "The operator's policy does not allow the host path /etc.");
});

test("allowPrivileged false refuses what amounts to privilege, not what only takes power away", () => {
  const strict: HostPolicy = { allowPrivileged: false };
  const one = (c: HostRequest["containers"][number], task: Partial<HostRequest> = {}, policy = strict) => hostPolicyViolation({ containers: [{ name: "web", ...c }], hostPaths: [], ...task }, policy);
  assert.equal(one({}, { networkMode: "host" }), "The operator's policy does not allow network mode host.");
  assert.equal(one({}, { pidMode: "host" }), "The operator's policy does not allow pidMode host.");
  assert.equal(one({}, { ipcMode: "host" }), "The operator's policy does not allow ipcMode host.");
  for (const option of ["apparmor=unconfined", "seccomp=unconfined", "seccomp:unconfined", "label=disable", "label:type:spc_t", "systempaths=unconfined"]) {
    assert.equal(one({ securityOptions: ["no-new-privileges", option] }), `The operator's policy does not allow the Docker security option ${option} (container web).`);
  }
  assert.equal(one({ systemControls: ["kernel.panic"] }), "The operator's policy does not allow the system control kernel.panic (container web).");
  assert.equal(one({ systemControls: ["vm.overcommit_memory"] }), "The operator's policy does not allow the system control vm.overcommit_memory (container web).");
  assert.equal(one({ devices: ["/dev/sda"] }), "The operator's policy does not allow host devices (container web).");
  for (const cap of ["ALL", "SYS_ADMIN", "CAP_SYS_MODULE", "sys_rawio", "DAC_READ_SEARCH", "BPF"]) {
    assert.equal(one({ capabilities: ["NET_ADMIN", cap] }), `The operator's policy does not allow adding the ${cap} capability (container web).`);
  }
  // Allowed: what stays inside the task's own namespaces.
  assert.equal(one({ securityOptions: ["no-new-privileges", "no-new-privileges:true"], systemControls: ["net.ipv4.ip_forward", "kernel.shmmax", "kernel.sem", "fs.mqueue.msg_max"], capabilities: ["NET_ADMIN", "SYS_PTRACE"] }, { networkMode: "bridge", pidMode: "task", ipcMode: "task" }), undefined);
  // An explicit allowedCapabilities list is the operator's word on capabilities.
  assert.equal(one({ capabilities: ["SYS_ADMIN"] }, {}, { allowPrivileged: false, allowedCapabilities: ["SYS_ADMIN"] }), undefined);
  // allowPrivileged true keeps ECS's semantics for all of them.
  assert.equal(one({ securityOptions: ["seccomp=unconfined"], systemControls: ["kernel.panic"], devices: ["/dev/sda"], capabilities: ["ALL"] }, { networkMode: "host", pidMode: "host", ipcMode: "host" }, { allowPrivileged: true }), undefined);
});
