import type Docker from "dockerode";
import type { ContainerUsage, TaskUsage } from "./protocol/messages.js";
import { LABEL_BERTH, LABEL_CONTAINER, LABEL_PAUSE, LABEL_TASK } from "./labels.js";

const MiB = 1024 * 1024;

/** The part of the Engine API's stats answer used here (cgroup v1 and v2 alike). */
interface EngineStats {
  read: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

interface Previous {
  cpuNs: number;
  at: number;
}

/**
 * Measures this agent's running tasks: one `stats` call per container per period, with
 * one-shot=true so the engine answers at once instead of sampling for a second. CPU use is the
 * growth of the container's cumulative CPU time since the previous period, as CPU units
 * (1024 = one vCPU busy the whole time); memory is what `docker stats` shows (usage without the
 * inactive page cache). A task is reported once every container of it has been measured twice.
 * The engine's stats read the container's cgroup, v1 or v2, so this works wherever the agent does.
 */
export function createUsageSampler(docker: Docker, berthId: string): { sample(): Promise<TaskUsage[]> } {
  let previous = new Map<string, Previous>();
  return {
    async sample() {
      const containers = await docker.listContainers({ filters: { label: [`${LABEL_BERTH}=${berthId}`], status: ["running"] } });
      const measured = await Promise.all(
        containers
          .filter((c) => c.Labels[LABEL_PAUSE] === undefined && c.Labels[LABEL_TASK] && c.Labels[LABEL_CONTAINER])
          .map(async (c) => {
            try {
              const stats = (await docker.getContainer(c.Id).stats({ stream: false, "one-shot": true } as never)) as unknown as EngineStats;
              return { id: c.Id, taskArn: c.Labels[LABEL_TASK]!, name: c.Labels[LABEL_CONTAINER]!, stats };
            } catch {
              return undefined; // gone since the listing: it has nothing more to report
            }
          }),
      );
      const next = new Map<string, Previous>();
      const tasks = new Map<string, { usage: TaskUsage; complete: boolean }>();
      for (const m of measured) {
        if (!m) continue;
        const cpuNs = m.stats.cpu_stats?.cpu_usage?.total_usage ?? 0;
        const at = Date.parse(m.stats.read);
        if (!Number.isFinite(at)) continue;
        next.set(m.id, { cpuNs, at });
        const before = previous.get(m.id);
        const task = tasks.get(m.taskArn) ?? { usage: { taskArn: m.taskArn, from: at, to: at, containers: [] }, complete: true };
        tasks.set(m.taskArn, task);
        if (!before || at <= before.at) {
          task.complete = false;
          continue;
        }
        task.usage.from = Math.min(task.usage.from, before.at);
        task.usage.to = Math.max(task.usage.to, at);
        task.usage.containers.push({ name: m.name, cpuUnits: cpuUnits(before, { cpuNs, at }), memoryMiB: memoryMiB(m.stats) });
      }
      previous = next;
      return [...tasks.values()].filter((t) => t.complete).map((t) => t.usage);
    },
  };
}

/** CPU time used between two readings over the wall time between them, in CPU units. */
export function cpuUnits(before: Previous, now: Previous): ContainerUsage["cpuUnits"] {
  const wallNs = (now.at - before.at) * 1e6;
  if (wallNs <= 0 || now.cpuNs < before.cpuNs) return 0;
  return ((now.cpuNs - before.cpuNs) / wallNs) * 1024;
}

/**
 * Memory in use as `docker stats` computes it: usage less the inactive page cache
 * (total_inactive_file on cgroup v1, inactive_file on v2), which the kernel reclaims first.
 */
export function memoryMiB(stats: EngineStats): number {
  const usage = stats.memory_stats?.usage ?? 0;
  const s = stats.memory_stats?.stats ?? {};
  const inactive = s.total_inactive_file ?? s.inactive_file ?? 0;
  return (inactive < usage ? usage - inactive : usage) / MiB;
}
