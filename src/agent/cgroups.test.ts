import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { TaskCgroups } from "./cgroups.js";
import type { Logger } from "../core/logger.js";

// remove() only walks directories: it asks the engine nothing.
const noEngine = {} as Docker;
const noLog = {} as Logger;

test("a task's cgroup goes from every v1 hierarchy, a hybrid host's unified one and a v2 host's root", async () => {
  const root = mkdtempSync(join(tmpdir(), "berth-cgroups-"));
  try {
    const task = (...under: string[]) => join(root, ...under, "berth", "agent-1", "0123abcd");
    // v1 hierarchies and the hybrid host's unified mount; the v2 root (host-mode routing groups);
    // a container's group below the task's, as the engine leaves it.
    const dirs = [task("memory"), task("cpu"), task("unified"), task()];
    for (const d of dirs) mkdirSync(join(d, "container"), { recursive: true });
    const other = join(root, "berth", "agent-1", "ffff0000");
    mkdirSync(other, { recursive: true });

    await new TaskCgroups(noEngine, noLog, root).remove("agent-1", "0123abcd");
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} is removed`);
    assert.equal(existsSync(other), true, "another task's group stays");

    await new TaskCgroups(noEngine, noLog, root).removeAll("agent-1");
    assert.equal(existsSync(join(root, "berth", "agent-1")), false, "reset removes every group of the agent, at the v2 root too");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
