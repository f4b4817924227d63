import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostPathAllowed, hostPolicyViolation, type HostPolicy } from "./host-policy.js";

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
  const task = { containers: [{ name: "web", privileged: true, linuxParameters: { capabilities: { add: ["NET_ADMIN", "CAP_SYS_TIME"] } } }], hostPaths: ["/etc"] };
  assert.equal(hostPolicyViolation(task, open), undefined, "by default everything ECS allows is allowed");
  assert.equal(hostPolicyViolation(task, { allowPrivileged: false }), "The operator's policy does not allow privileged containers (container web).");
  assert.equal(hostPolicyViolation(task, { ...open, allowedCapabilities: ["NET_ADMIN"] }), "The operator's policy does not allow adding the CAP_SYS_TIME capability (container web).");
  assert.equal(hostPolicyViolation(task, { ...open, allowedCapabilities: ["cap_net_admin", "SYS_TIME"] }), undefined, "names compare without CAP_ and case");
  assert.equal(hostPolicyViolation(task, { ...open, allowedCapabilities: [] }), "The operator's policy does not allow adding the NET_ADMIN capability (container web).");
  assert.equal(hostPolicyViolation(task, { ...open, hostPathAllowList: ["/srv"] }), "The operator's policy does not allow the host path /etc.");
  assert.equal(hostPolicyViolation({ ...task, hostPaths: [] }, { ...open, hostPathAllowList: [] }), undefined);
});
