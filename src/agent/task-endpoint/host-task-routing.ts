import { mkdir, statfs } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import type Docker from "dockerode";
import type { Logger } from "../../core/logger.js";
import { isLoopbackAddress } from "../../core/loopback.js";
import type { Netfilter } from "./netfilter.js";

/** statfs(2)'s f_type for a cgroup v2 file system. */
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup (v2 hosts) or /sys/fs/cgroup/unified (hybrid v1 hosts). */
async function cgroup2Root(base: string): Promise<string | undefined> {
  for (const dir of [base, join(base, "unified")]) {
    const fs = await statfs(dir).catch(() => undefined);
    if (fs && Number(fs.type) === CGROUP2_SUPER_MAGIC) return dir;
  }
  return undefined;
}

/**
 * Routes a host-mode task's requests for 169.254.170.2 to this agent even when several agents
 * share the host. Its requests come from the host's own addresses, so netfilter cannot tell tasks
 * apart by source (that is how bridge and awsvpc tasks are routed); it can by the sending
 * socket's cgroup v2 group (`-m cgroup --path`), which is per task when the task's containers run
 * under a cgroup of their own: /berth/<berthId>/<taskId>, the same one TaskCgroups gives tasks
 * with a task-level size. The group is made, and its rule inserted, before any container starts,
 * so a task's first request already reaches its own agent.
 *
 * The same group marks the task's calls to Berth's API on loopback: they leave from the task
 * relay's address (Netfilter.relayRule), so Berth's own endpoints refuse them as they refuse
 * bridge and awsvpc tasks' calls through the relay.
 *
 * Needs the engine's cgroupfs driver (CgroupParent is then a path) and a cgroup v2 hierarchy
 * (v2 hosts, or the `unified` mount of hybrid v1 hosts, where runc places containers too).
 * Elsewhere route() answers undefined and host-mode tasks reach the oldest agent's endpoint, as
 * before (docs/compatibility.md).
 */
export class HostTaskRouting {
  private root?: Promise<string | undefined>;

  constructor(
    private readonly docker: Docker,
    private readonly netfilter: Netfilter,
    private readonly berthId: string,
    private readonly log: Logger,
    /** The Berth API the agent's tasks call: on this machine's loopback, a host-mode task's calls to it are marked as the task's (Netfilter.relayRule). */
    private readonly api: () => { host: string; port: number } | undefined = () => undefined,
    private readonly cgroupBase = "/sys/fs/cgroup",
  ) {}

  /** The API's port when the API is on this machine's IPv4 loopback (as the relay reaches it: api-relay.ts). */
  private loopbackApiPort(): number | undefined {
    const api = this.api();
    if (!api) return undefined;
    const host = api.host === "localhost" ? "127.0.0.1" : api.host;
    return isIP(host) === 4 && isLoopbackAddress(host) ? api.port : undefined;
  }

  private available(): Promise<string | undefined> {
    this.root ??= (async () => {
      const info = (await this.docker.info().catch(() => ({}))) as { CgroupDriver?: string };
      const root = info.CgroupDriver === "cgroupfs" ? await cgroup2Root(this.cgroupBase) : undefined;
      if (!root) this.log.warn({ cgroupDriver: info.CgroupDriver }, "no cgroup v2 hierarchy with the cgroupfs driver: host-mode tasks reach the oldest agent's credentials endpoint when several agents share this host");
      return root;
    })();
    return this.root;
  }

  private relative(taskId: string): string {
    return join("berth", this.berthId, taskId);
  }

  /**
   * Makes the task's cgroup and routes it to this agent. Resolves with the CgroupParent its
   * containers must run under, or undefined where routing by cgroup is not possible.
   */
  async route(taskId: string): Promise<string | undefined> {
    const root = await this.available();
    if (!root || !this.netfilter.active) return undefined;
    const rel = this.relative(taskId);
    try {
      await mkdir(join(root, rel), { recursive: true });
      await this.netfilter.addCgroup(rel, this.loopbackApiPort());
      return "/" + rel;
    } catch (err) {
      this.log.warn({ taskId, err: (err as Error).message }, "could not route a host-mode task's cgroup to its credentials endpoint");
      return undefined;
    }
  }

  /** The task stopped: its rule goes (TaskCgroups removes the group with the task). */
  async unroute(taskId: string): Promise<void> {
    await this.netfilter.removeCgroup(this.relative(taskId));
  }
}
