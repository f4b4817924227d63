import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createInterface } from "node:readline";
import { ECSClient } from "@aws-sdk/client-ecs";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { claimLoopbackBlock } from "./loopback-blocks.js";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const berthBin = join(root, "dist", "src", "cli", "main.js");

/** Debian's AWS CLI v2 (package awscli); another `aws` earlier on PATH may be a different major version. */
export const awsCli = "/usr/bin/aws";

export interface StartOptions {
  /** Extra `berth up` flags. */
  args?: string[];
  /** Reuse a data directory (restart tests); a fresh temporary one otherwise. */
  dataDir?: string;
  env?: Record<string, string>;
  /**
   * What Berth's own endpoints (reset, ...) are signed with, for a strict-SigV4 server whose
   * credentials come from a file or the environment; otherwise the first pair of `--credentials`
   * in args, else the default test:test.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A script that runs `berth up` with extra wiring (test/fixtures/), instead of the `berth` command. */
  bin?: string;
}

/** The first ACCESS_KEY:SECRET pair of a `--credentials` flag among args. */
function credentialsFlag(args: string[]): { accessKeyId: string; secretAccessKey: string } | undefined {
  const value = args[args.indexOf("--credentials") + 1];
  if (!args.includes("--credentials") || value === undefined) return undefined;
  const pair = value.split(",")[0]!;
  const i = pair.indexOf(":");
  return { accessKeyId: pair.slice(0, i), secretAccessKey: pair.slice(i + 1) };
}

/**
 * The loopback block (127.n.0.0/16, test/loopback-blocks.ts) each data directory's Berth or agent
 * uses, claimed so that no other test's Berth or agent has it: a restarted Berth (same data
 * directory) keeps its block, as an operator's config would.
 */
const blocks = new Map<string, number>();
async function blockOf(dir: string): Promise<number> {
  if (!blocks.has(dir)) blocks.set(dir, await claimLoopbackBlock());
  return blocks.get(dir)!;
}

/** A real `berth up` process on a free loopback port, with its own data directory. */
export class BerthProcess {
  endpoint = "";
  berthId = "";
  /** Every line the server wrote to stdout and stderr, in order (tests grep its logs). */
  readonly output: string[] = [];
  private exited: Promise<number | null>;
  /** Every log line (parsed) the server wrote to stdout. */
  readonly logLines: Array<Record<string, unknown>> = [];
  private adminCredentials = { accessKeyId: "test", secretAccessKey: "test" };

  private constructor(readonly proc: ChildProcess, readonly dataDir: string, private readonly ownsDataDir: boolean) {
    this.exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
  }

  static async start({ args = [], dataDir, env = {}, credentials, bin = berthBin }: StartOptions = {}): Promise<BerthProcess> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), "berth-test-"));
    // Each test starts from an empty account, as on AWS: no cluster `default` and no container
    // instance unless the test asks for virtual instances (--instances N) or registers its own.
    const instances = args.includes("--instances") ? [] : ["--instances", "0"];
    // Tasks' awsvpc addresses get the lower half of the data directory's block, load balancers the
    // upper half: two test servers never hand out the same address (a test's own flag wins).
    const n = await blockOf(dir);
    const block = [
      ...(args.includes("--awsvpc-cidr") ? [] : ["--awsvpc-cidr", `127.${n}.0.0/17`]),
      ...(args.includes("--load-balancer-cidr") ? [] : ["--load-balancer-cidr", `127.${n}.128.0/17`]),
    ];
    const proc = spawn(process.execPath, [bin, "up", "--port", "0", "--data-dir", dir, "--log-level", "info", ...instances, ...block, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const b = new BerthProcess(proc, dir, dataDir === undefined);
    b.adminCredentials = credentials ?? credentialsFlag(args) ?? b.adminCredentials;
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    createInterface({ input: proc.stderr! }).on("line", (line) => b.output.push(line));
    const lines = createInterface({ input: proc.stdout! });
    lines.on("line", (line) => b.output.push(line));
    b.endpoint = await new Promise<string>((resolve, reject) => {
      // A Berth that does not come up is killed, so a failed start leaves no process behind.
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`berth did not start in 30s: ${stderr}`));
      }, 30_000);
      proc.once("exit", (code) => reject(new Error(`berth exited with ${code}: ${stderr}`)));
      // Stays attached: it keeps draining stdout so the child never blocks on a full pipe.
      lines.on("line", (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; address?: string };
          b.logLines.push(entry);
          if (entry.msg === "berth is up" && entry.address) {
            clearTimeout(timer);
            resolve(entry.address);
          }
        } catch {
          /* not a log line */
        }
      });
    });
    const health = (await (await fetch(`${b.endpoint}/_berth/health`)).json()) as { berthId: string };
    b.berthId = health.berthId;
    return b;
  }

  ecs(region = "us-east-1", accessKeyId = "test"): ECSClient {
    return new ECSClient({ endpoint: this.endpoint, region, credentials: { accessKeyId, secretAccessKey: "test" }, maxAttempts: 1 });
  }

  /** Runs Debian's AWS CLI against this server and parses its JSON output. */
  async aws(...args: string[]): Promise<any> {
    const { stdout } = await run(awsCli, [...args, "--endpoint-url", this.endpoint, "--output", "json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
    });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  }

  /**
   * A request to one of Berth's own endpoints (/_berth/...), signed with SigV4 as a strict
   * server wants (an open server serves loopback callers and ignores the signature).
   */
  async admin(path: string, { method = "GET", body = "", timeoutMs }: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<Response> {
    const url = new URL(path, this.endpoint);
    const signer = new SignatureV4({ credentials: this.adminCredentials, region: "us-east-1", service: "berth", sha256: Sha256 });
    const headers: Record<string, string> = { host: url.host, ...(body ? { "content-type": "application/json" } : {}) };
    const signed = await signer.sign({
      method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname,
      query: Object.fromEntries(url.searchParams), headers, body,
    });
    const sent = { ...(signed.headers as Record<string, string>) };
    delete sent.host; // fetch sends the same Host itself
    return fetch(url, { method, headers: sent, body: body || undefined, ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}) });
  }

  async reset(): Promise<void> {
    const res = await this.admin("/_berth/reset", { method: "POST", timeoutMs: 120_000 });
    if (!res.ok) throw new Error(`reset failed: ${res.status} ${await res.text()}`);
  }

  /** Containers, volumes and networks on the engine that carry this Berth's label. */
  async leftovers(): Promise<string[]> {
    const filter = `label=berth.instance=${this.berthId}`;
    const out: string[] = [];
    for (const kind of ["container ls -a", "volume ls", "network ls"]) {
      const { stdout } = await run("docker", [...kind.split(" "), "-q", "--filter", filter]);
      out.push(...stdout.split("\n").filter(Boolean).map((id) => `${kind.split(" ")[0]} ${id}`));
    }
    return out;
  }

  /** Graceful stop (SIGTERM). */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill("SIGTERM");
    // A server that cannot finish its shutdown (an engine that no longer answers) is killed: the
    // test fails on what went wrong before, rather than the suite waiting for it forever.
    const kill = setTimeout(() => this.proc.kill("SIGKILL"), 60_000);
    await this.exited;
    clearTimeout(kill);
  }

  /** kill -9: no chance to flush or clean anything. */
  async kill9(): Promise<void> {
    this.proc.kill("SIGKILL");
    await this.exited;
  }

  /** Stops the server, fails if it left containers behind, and removes its data directory. */
  async dispose(): Promise<void> {
    let left: string[] = [];
    try {
      // A server killed by a signal (kill9) has no exit code either, and nothing to reset.
      if (this.proc.exitCode === null && this.proc.signalCode === null) await this.reset();
      left = await this.leftovers();
    } finally {
      // Whatever failed above, the server stops: a live child would keep the test file's process
      // (and the whole suite) waiting for it forever.
      await this.stop();
      if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    }
    if (left.length) throw new Error(`test leaked ${left.join(", ")}`);
  }
}

export interface AgentOptions {
  endpoint: string;
  cluster: string;
  /** Given to the agent as BERTH_AGENT_TOKEN; leave it out to pass the token another way (args). */
  token?: string;
  hostIp: string;
  dataDir: string;
  args?: string[];
}

/** A real `berth agent` child process: another container instance, on this machine's engine. */
export class AgentProcess {
  containerInstanceArn = "";
  berthId = "";
  private exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess) {
    this.exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
  }

  /** Starts the agent and waits until it has registered (its "berth agent is up" line). */
  static async start({ endpoint, cluster, token, hostIp, dataDir, args = [] }: AgentOptions): Promise<AgentProcess> {
    // Its awsvpc tasks' addresses come from a block of its own: with the agent's default block,
    // two test files' agents would give their tasks the same address and port.
    const block = args.includes("--awsvpc-cidr") ? [] : ["--awsvpc-cidr", `127.${await blockOf(dataDir)}.0.0/17`];
    const proc = spawn(process.execPath, [berthBin, "agent", "--endpoint", endpoint, "--cluster", cluster, "--host-ip", hostIp, "--data-dir", dataDir, "--log-level", "info", ...block, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...(token === undefined ? {} : { BERTH_AGENT_TOKEN: token }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const a = new AgentProcess(proc);
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    const lines = createInterface({ input: proc.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`berth agent did not register in 30s: ${stderr}`)), 30_000);
      proc.once("exit", (code) => reject(new Error(`berth agent exited with ${code}: ${stderr}`)));
      lines.on("line", (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; containerInstanceArn?: string; berthId?: string };
          if (entry.msg === "berth agent is up" && entry.containerInstanceArn) {
            a.containerInstanceArn = entry.containerInstanceArn;
            a.berthId = entry.berthId!;
            clearTimeout(timer);
            resolve();
          }
        } catch {
          /* not a log line */
        }
      });
    });
    lines.on("line", () => {});
    return a;
  }

  /** Containers on the engine carrying this agent's label (its berth.instance namespace). */
  async containers(all = true): Promise<string[]> {
    const { stdout } = await run("docker", ["container", "ls", ...(all ? ["-a"] : []), "-q", "--filter", `label=berth.instance=${this.berthId}`]);
    return stdout.split("\n").filter(Boolean);
  }

  /** Running containers of one task, by its berth.task-arn label. */
  async running(taskArn: string): Promise<string[]> {
    const { stdout } = await run("docker", ["container", "ls", "-q", "--filter", `label=berth.instance=${this.berthId}`, "--filter", `label=berth.task-arn=${taskArn}`]);
    return stdout.split("\n").filter(Boolean);
  }

  signal(sig: NodeJS.Signals): void {
    this.proc.kill(sig);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill("SIGCONT");
      this.proc.kill("SIGTERM");
    }
    await this.exited;
  }

  /** Force-removes whatever the agent left (after a failure) and reports it. */
  async removeLeftovers(): Promise<string[]> {
    const ids = await this.containers();
    if (ids.length) await run("docker", ["rm", "-f", ...ids]);
    return ids;
  }

  /**
   * Ends a test with an agent: the server goes first (its reset asks the agent to remove its
   * containers), then the agent and its data dir; answers the containers it left.
   */
  static async disposeWith(berth: BerthProcess, agent: AgentProcess | undefined, agentDir: string): Promise<string[]> {
    let left: string[] = [];
    try {
      await berth.dispose();
    } finally {
      if (agent) {
        await agent.stop();
        left = await agent.removeLeftovers();
      }
      rmSync(agentDir, { recursive: true, force: true });
    }
    return left;
  }
}
