import type Docker from "dockerode";
import type { ContainerLog } from "./protocol/task-runner.js";
import { LABEL_BERTH, LABEL_CONTAINER, LABEL_PAUSE, LABEL_TASK } from "./labels.js";

/**
 * Splits the engine's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, big-endian
 * length) back into text, stdout and stderr interleaved in the order they were written.
 */
export function demultiplex(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const stream = buf[at]!;
    const size = buf.readUInt32BE(at + 4);
    if (stream > 2 || buf[at + 1] !== 0 || buf[at + 2] !== 0 || buf[at + 3] !== 0) return buf.toString("utf8"); // not multiplexed
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

/** Every container of the task (not its pause container), in the order given, with its output so far. */
export async function taskLogs(docker: Docker, berthId: string, taskArn: string, order: string[] = []): Promise<ContainerLog[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_BERTH}=${berthId}`, `${LABEL_TASK}=${taskArn}`] } });
  const mine = containers.filter((c) => !c.Labels[LABEL_PAUSE]);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  mine.sort((a, b) => rank(a.Labels[LABEL_CONTAINER] ?? "") - rank(b.Labels[LABEL_CONTAINER] ?? "") || (a.Labels[LABEL_CONTAINER] ?? "").localeCompare(b.Labels[LABEL_CONTAINER] ?? ""));
  const out: ContainerLog[] = [];
  for (const c of mine) {
    try {
      const container = docker.getContainer(c.Id);
      const tty = (await container.inspect()).Config.Tty;
      const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      out.push({ container: c.Labels[LABEL_CONTAINER] ?? c.Names[0] ?? c.Id, text: tty ? raw.toString("utf8") : demultiplex(raw) });
    } catch {
      // Removed between the listing and the read: it has no logs any more.
    }
  }
  return out;
}
