import { execFile } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";
import type { Logger } from "../../core/logger.js";
import { TASK_RELAY_ADDRESS } from "../../core/loopback.js";
import { ENDPOINT_ADDRESS } from "./task-identity.js";

const run = promisify(execFile);
const COMMENT = "berth-task-endpoint";

/** Nothing listens at host:port any more (connection refused). */
function refused(target: string): Promise<boolean> {
  const i = target.lastIndexOf(":");
  return new Promise((resolve) => {
    const socket = connect(Number(target.slice(i + 1)), target.slice(0, i));
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

/**
 * Makes 169.254.170.2:80 reach this agent's endpoint without any change inside the containers,
 * as ecs-init does: a DNAT in nat/PREROUTING for packets from containers on the Docker bridge
 * (bridge mode, and awsvpc tasks, whose namespace hangs off the same bridge) and one in
 * nat/OUTPUT for host-mode containers (the host's own stack). The target is the bridge gateway
 * address the endpoint listens on, so route_localnet needs no change.
 *
 * Several agents may share one host (a server's embedded agent and `berth agent`s, or several
 * Berths in tests): each appends its catch-all rule at the end of the chain (the oldest agent
 * gets unknown sources) and, once a task's address is known, inserts a rule for that source
 * address at the top, so it stays above every catch-all, later agents' included, and each task
 * reaches its own agent. Host-mode tasks share the host's address: they are routed by their
 * sockets' cgroup instead (addCgroup, host-task-routing.ts), and reach the oldest agent's endpoint
 * only where that is not possible (docs/compatibility.md). Every rule carries a comment naming the agent, so the agent removes
 * exactly its own at stop, and those a killed predecessor left at start.
 */
export class Netfilter {
  private readonly sources = new Set<string>();
  /** Host-mode tasks' cgroups routed here, with the loopback port of the Berth API their calls to which are marked (relayRule). */
  private readonly cgroups = new Map<string, number | undefined>();
  private enabled = false;
  private target = "";

  constructor(private readonly owner: string, private readonly log: Logger) {}

  private rule(chain: "PREROUTING" | "OUTPUT", source?: string, cgroup?: string): string[] {
    return [
      chain, ...(source ? ["-s", `${source}/32`] : []), "-d", `${ENDPOINT_ADDRESS}/32`, "-p", "tcp", "--dport", "80",
      ...(cgroup ? ["-m", "cgroup", "--path", cgroup] : []),
      "-m", "comment", "--comment", this.comment, "-j", "DNAT", "--to-destination", this.target,
    ];
  }

  /**
   * A host-mode task's connections to Berth's API on loopback (`apiPort` on 127.0.0.0/8: Berth
   * bound to every address answers on all of it) leave from TASK_RELAY_ADDRESS, as the bridge and
   * awsvpc tasks' do through the API relay: SNAT in nat/POSTROUTING by the sending socket's cgroup,
   * so Berth's own endpoints, which trust this machine's user in open mode, refuse the task's calls.
   */
  private relayRule(cgroup: string, apiPort: number): string[] {
    return [
      "POSTROUTING", "-d", "127.0.0.0/8", "-p", "tcp", "--dport", String(apiPort), "-m", "cgroup", "--path", cgroup,
      "-m", "comment", "--comment", this.comment, "-j", "SNAT", "--to-source", TASK_RELAY_ADDRESS,
    ];
  }

  /** The catch-alls are in place: per-task rules can be added. */
  get active(): boolean {
    return this.enabled;
  }

  private get comment(): string {
    return `${COMMENT} ${this.owner}`;
  }

  private async iptables(args: string[]): Promise<void> {
    await run("iptables", ["-w", "5", "-t", "nat", ...args]);
  }

  /** Installs the catch-all rules; false (and a warning) where netfilter cannot be changed (not root, no iptables). */
  async start(target: string): Promise<boolean> {
    this.target = target;
    try {
      await this.removeAll();
      await this.removeDead();
      // Appended: a catch-all inserted at the top would take other agents' tasks from their source rules.
      await this.iptables(["-A", ...this.rule("PREROUTING")]);
      await this.iptables(["-A", ...this.rule("OUTPUT")]);
      this.enabled = true;
      this.log.info({ address: ENDPOINT_ADDRESS, target: this.target }, "task credentials and metadata endpoint reachable at 169.254.170.2");
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not route 169.254.170.2 to the task endpoint (iptables); tasks cannot reach their credentials and metadata");
    }
    return this.enabled;
  }

  /**
   * Routes a task's source address to this agent ahead of other agents' catch-alls. Docker gives
   * a bridge address to one live container at a time, so a rule another agent holds for the same
   * address is stale (its container is gone; its agent may have been killed with -9 and not yet
   * cleaned up) and is removed first: it would take this task's requests to an endpoint that no
   * longer knows it.
   */
  async addSource(ip: string): Promise<void> {
    if (!this.enabled || this.sources.has(ip)) return;
    this.sources.add(ip);
    await this.remove((line) => line.includes(`"${COMMENT} `) && line.includes(` -s ${ip}/32 `)).catch(() => {});
    await this.iptables(["-I", ...this.rule("PREROUTING", ip)]).catch((err) => this.log.warn({ ip, err: (err as Error).message }, "could not add a task's endpoint route"));
  }

  async removeSource(ip: string): Promise<void> {
    if (!this.sources.delete(ip)) return;
    await this.iptables(["-D", ...this.rule("PREROUTING", ip)]).catch(() => {});
  }

  /**
   * Routes the host's own requests from sockets of the cgroup v2 group `path` (a host-mode task's,
   * see host-task-routing.ts) to this agent, in nat/OUTPUT ahead of every catch-all. The group
   * must exist (the kernel resolves the path as the rule is added). Rejects if the rule cannot be
   * added (no cgroup match in this kernel).
   */
  async addCgroup(path: string, apiPort?: number): Promise<void> {
    if (!this.enabled || this.cgroups.has(path)) return;
    await this.iptables(["-I", ...this.rule("OUTPUT", undefined, path)]);
    this.cgroups.set(path, undefined);
    if (apiPort === undefined) return;
    try {
      await this.iptables(["-I", ...this.relayRule(path, apiPort)]);
      this.cgroups.set(path, apiPort);
    } catch (err) {
      // The task still reaches its credentials; Berth's own endpoints then take its calls for this machine's user's.
      this.log.warn({ cgroup: path, err: (err as Error).message }, "could not mark a host-mode task's calls to the Berth API (iptables SNAT)");
    }
  }

  /** Removed before the group itself is (iptables-legacy re-checks every rule's path at each change). */
  async removeCgroup(path: string): Promise<void> {
    const apiPort = this.cgroups.get(path);
    if (!this.cgroups.delete(path)) return;
    await this.iptables(["-D", ...this.rule("OUTPUT", undefined, path)]).catch(() => {});
    if (apiPort !== undefined) await this.iptables(["-D", ...this.relayRule(path, apiPort)]).catch(() => {});
  }

  /** Removes every rule this agent (or a predecessor with the same identity) added. */
  async removeAll(): Promise<void> {
    this.sources.clear();
    this.cgroups.clear();
    this.enabled = false;
    await this.remove((line) => line.includes(`"${this.comment}"`));
  }

  /**
   * Removes other agents' rules whose endpoint no longer answers: an agent killed with -9 could
   * not remove its own, and its catch-all would otherwise take new tasks' first requests.
   */
  async removeDead(): Promise<void> {
    const dead = new Map<string, Promise<boolean>>();
    const isDead = (target: string) => {
      if (!dead.has(target)) dead.set(target, refused(target));
      return dead.get(target)!;
    };
    // A dead agent is known by its DNAT rules' target; its SNAT rules (relayRule) go with them.
    const deadComments = new Set<string>();
    const { stdout } = await run("iptables", ["-w", "5", "-t", "nat", "-S"]);
    for (const line of stdout.split("\n")) {
      const target = /--to-destination (\S+)/.exec(line)?.[1];
      const comment = /--comment "([^"]*)"/.exec(line)?.[1];
      if (comment?.startsWith(`${COMMENT} `) && comment !== this.comment && target !== undefined && (await isDead(target))) deadComments.add(comment);
    }
    if (deadComments.size === 0) return;
    await this.remove((line) => deadComments.has(/--comment "([^"]*)"/.exec(line)?.[1] ?? ""));
  }

  private async remove(which: (line: string) => boolean | Promise<boolean>): Promise<void> {
    const { stdout } = await run("iptables", ["-w", "5", "-t", "nat", "-S"]);
    for (const line of stdout.split("\n").filter((l) => l.startsWith("-A "))) {
      if (!(await which(line))) continue;
      // "-A CHAIN spec..." as iptables -S prints it: the same spec after -D deletes that rule.
      const args = line.slice(3).match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"(.*)"$/, "$1"));
      await this.iptables(["-D", ...args]).catch(() => {});
    }
  }
}
