import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { claimNumber } from "./loopback-blocks.js";

const run = promisify(execFile);
const ip_ = (...args: string[]) => run("ip", args);

/**
 * Another "machine" on this one: a network namespace joined to this one by a veth pair, so a
 * test can call Berth from a non-loopback address without any traffic leaving this host. The
 * addresses come from 198.18.0.0/15 (RFC 2544, set aside for testing network devices; nothing
 * routes it), a /30 per test process so concurrent runs do not collide. Needs root (ip netns).
 */
export class Neighbour {
  private constructor(
    readonly ns: string,
    private readonly hostLink: string,
    /** This machine's address on the pair: what the neighbour connects to. */
    readonly hostAddress: string,
    /** The neighbour's own address: what Berth sees as the caller. */
    readonly address: string,
  ) {}

  static async create(): Promise<Neighbour> {
    // Pids 32768 apart would share a /30: the subnet is claimed instead (test/loopback-blocks.ts).
    const id = await claimNumber("neighbour-subnet", 32768, process.pid);
    const base = (198 << 24) + (18 << 16) + id * 4; // 198.18.0.0 + a /30 per test process
    const ip = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
    const n = new Neighbour(`berth-nb-${process.pid}`, `bnb${process.pid}h`, ip(base + 1), ip(base + 2));
    const peer = `bnb${process.pid}n`;
    await n.dispose(); // what a killed earlier run with this pid left
    try {
      await ip_("netns", "add", n.ns);
      await ip_("link", "add", n.hostLink, "type", "veth", "peer", "name", peer);
      await ip_("link", "set", peer, "netns", n.ns);
      await ip_("addr", "add", `${n.hostAddress}/30`, "dev", n.hostLink);
      await ip_("link", "set", n.hostLink, "up");
      await ip_("-n", n.ns, "addr", "add", `${n.address}/30`, "dev", peer);
      await ip_("-n", n.ns, "link", "set", peer, "up");
      await ip_("-n", n.ns, "link", "set", "lo", "up");
    } catch (err) {
      await n.dispose();
      throw err;
    }
    return n;
  }

  /**
   * curl run inside the namespace against this machine's address on `port`: the status, the
   * x-amzn-errortype header and the body.
   */
  async curl(method: string, port: number, path: string, extra: string[] = []): Promise<{ status: number; errorType: string | undefined; body: string }> {
    const { stdout } = await run("ip", [
      "netns", "exec", this.ns, "curl", "-sS", "--max-time", "20", "-X", method, "-D", "-", ...extra, `http://${this.hostAddress}:${port}${path}`,
    ]);
    const split = stdout.indexOf("\r\n\r\n");
    const head = stdout.slice(0, split);
    const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1]);
    const errorType = /^x-amzn-errortype: *(.*?)\r?$/im.exec(head)?.[1];
    return { status, errorType, body: stdout.slice(split + 4) };
  }

  /** Removes the namespace (which takes the veth pair with it) and the host's end if left. */
  async dispose(): Promise<void> {
    await ip_("netns", "del", this.ns).catch(() => {});
    await ip_("link", "del", this.hostLink).catch(() => {});
  }
}
