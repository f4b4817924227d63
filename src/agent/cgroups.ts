import { mkdir, readdir, rmdir, writeFile, access } from "node:fs/promises";
import { constants } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { Logger } from "../core/logger.js";

/**
 * Task-level CPU and memory (Fargate sizes, or EC2 task-level sizes) enforced on the task as a
 * whole, as ECS does: every container of the task (and its pause container) runs under one
 * per-task cgroup, /berth/<berthId>/<taskId>, whose limits cover them together. cgroup v1 with
 * the engine's cgroupfs driver only (the engine then takes CgroupParent as a path); anywhere
 * else the caller falls back to per-container limits, and this says so once in the log.
 */
export const CFS_PERIOD_US = 100_000;
const MiB = 1024 * 1024;

export interface TaskSize {
  cpuUnits?: number;
  memoryMiB?: number;
}

export class TaskCgroups {
  private usable?: Promise<boolean>;
  private warned = false;
  private verified = false;

  constructor(
    private readonly docker: Docker,
    private readonly log: Logger,
    private readonly root = "/sys/fs/cgroup",
  ) {}

  /** Can per-task cgroups be made on this host? Asked of the engine and the file system once. */
  available(): Promise<boolean> {
    this.usable ??= (async () => {
      try {
        const info = (await this.docker.info()) as { CgroupDriver?: string; CgroupVersion?: string };
        if (info.CgroupDriver !== "cgroupfs") return this.unavailable(`the engine's cgroup driver is ${info.CgroupDriver}, not cgroupfs`);
        if (info.CgroupVersion !== undefined && info.CgroupVersion !== "1") return this.unavailable(`the engine uses cgroup v${info.CgroupVersion}`);
        for (const controller of ["memory", "cpu"]) await access(join(this.root, controller), constants.W_OK);
        return true;
      } catch (err) {
        return this.unavailable((err as Error).message);
      }
    })();
    return this.usable;
  }

  private unavailable(why: string): false {
    if (!this.warned) {
      this.warned = true;
      this.log.warn({ why }, "per-task cgroups are not available: task-level cpu and memory are applied to each container instead");
    }
    return false;
  }

  private relative(berthId: string, taskId: string): string {
    return join("berth", berthId, taskId);
  }

  /**
   * Creates the task's cgroup with its limits. Resolves with the CgroupParent to give each
   * container, or undefined when the caller must fall back to per-container limits.
   */
  async create(berthId: string, taskId: string, size: TaskSize): Promise<string | undefined> {
    if (size.cpuUnits === undefined && size.memoryMiB === undefined) return undefined;
    if (!(await this.available())) return undefined;
    const rel = this.relative(berthId, taskId);
    try {
      const memory = join(this.root, "memory", rel);
      const cpu = join(this.root, "cpu", rel);
      await mkdir(memory, { recursive: true });
      await mkdir(cpu, { recursive: true });
      if (size.memoryMiB !== undefined) {
        const bytes = String(size.memoryMiB * MiB);
        await writeFile(join(memory, "memory.limit_in_bytes"), bytes);
        // No swapping past the limit either (the file exists only when swap accounting is on).
        await writeFile(join(memory, "memory.memsw.limit_in_bytes"), bytes).catch(() => {});
      }
      if (size.cpuUnits !== undefined) {
        await writeFile(join(cpu, "cpu.cfs_period_us"), String(CFS_PERIOD_US));
        await writeFile(join(cpu, "cpu.cfs_quota_us"), String(Math.max(1000, Math.round((size.cpuUnits / 1024) * CFS_PERIOD_US))));
        await writeFile(join(cpu, "cpu.shares"), String(Math.max(2, size.cpuUnits)));
      }
      return "/" + rel;
    } catch (err) {
      await this.remove(berthId, taskId);
      this.unavailable((err as Error).message);
      return undefined;
    }
  }

  /**
   * Checks once that the engine really put a container under the cgroup Berth made (it would
   * not if Berth saw another cgroup tree than the engine, e.g. from inside a container). If not,
   * later tasks fall back to per-container limits.
   */
  async verify(berthId: string, taskId: string, containerId: string, stillRunning: () => Promise<boolean>): Promise<void> {
    if (this.verified) return;
    try {
      await access(join(this.root, "memory", this.relative(berthId, taskId), containerId));
      this.verified = true;
    } catch {
      // A container that already exited has no cgroup left: no conclusion, ask again next time.
      if (!(await stillRunning())) return;
      this.verified = true;
      this.usable = Promise.resolve(this.unavailable("the engine did not place containers under the per-task cgroup Berth created (different cgroup tree?)"));
    }
  }

  /** Removes the task's cgroup in every hierarchy (the engine leaves the parent directories behind). */
  async remove(berthId: string, taskId: string): Promise<void> {
    await this.removeUnder(this.relative(berthId, taskId));
  }

  /** Removes every task cgroup of this Berth (reset). */
  async removeAll(berthId: string): Promise<void> {
    await this.removeUnder(join("berth", berthId));
  }

  /**
   * Removes this Berth's task cgroups but those of `live` tasks (by task id), and this Berth's
   * own directory once empty: at start-up and when the agent closes, for tasks that stopped while
   * nobody removed their groups (a server killed mid-task). Never another Berth's: a server
   * sharing the host may be creating a group this instant. A group something still runs in
   * cannot be removed (rmdir fails with EBUSY), so a task running unknown to this agent keeps its.
   */
  async pruneExcept(berthId: string, live: ReadonlySet<string>): Promise<void> {
    let hierarchies: string[];
    try {
      hierarchies = await readdir(this.root);
    } catch {
      return;
    }
    await Promise.all([this.root, ...hierarchies.map((h) => join(this.root, h))].map(async (dir) => {
      const mine = join(dir, "berth", berthId);
      let tasks;
      try {
        tasks = await readdir(mine, { withFileTypes: true });
      } catch {
        return;
      }
      await Promise.all(tasks.filter((e) => e.isDirectory() && !live.has(e.name)).map((e) => removeTree(join(mine, e.name))));
      await rmdir(mine).catch(() => {});
    }));
  }

  /**
   * In each v1 hierarchy (memory, cpu, ..., and a hybrid host's `unified`), and under the root
   * itself: a cgroup v2 host has one hierarchy there, where host-mode tasks' routing groups are
   * made (host-task-routing.ts).
   */
  private async removeUnder(rel: string): Promise<void> {
    let hierarchies: string[];
    try {
      hierarchies = await readdir(this.root);
    } catch {
      return;
    }
    await Promise.all([this.root, ...hierarchies.map((h) => join(this.root, h))].map((dir) => removeTree(join(dir, rel))));
  }
}

/** rmdir depth-first: cgroup directories hold only pseudo-files, which go with their directory. */
async function removeTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => removeTree(join(dir, e.name))));
  await rmdir(dir).catch(() => {});
}
