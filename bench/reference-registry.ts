import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/**
 * The reference registry: CNCF distribution 2.8 from Debian's `docker-registry` package, run as
 * a plain process (not the packaged service) on a loopback port with its own temporary config
 * and storage, and no auth. Its config is the package's own minus auth and logging noise:
 * filesystem storage, the in-memory blob descriptor cache, deletes enabled.
 */
export const REFERENCE_BIN = "/usr/bin/docker-registry";

export function referenceVersion(): string {
  return execFileSync(REFERENCE_BIN, ["--version"], { encoding: "utf8" }).trim().split(" ").slice(1).join(" ");
}


export class ReferenceRegistry {
  private constructor(readonly proc: ChildProcess, readonly host: string, readonly root: string) {}

  /** Starts on a free loopback port with empty storage under `root`; resolves once /v2/ answers. */
  static async start(root: string): Promise<ReferenceRegistry> {
    if (!existsSync(REFERENCE_BIN)) throw new Error(`${REFERENCE_BIN} is missing: apt-get install -y docker-registry`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, "storage"), { recursive: true });
    const port = await freePort();
    const config = join(root, "config.yml");
    writeFileSync(config, [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  cache:",
      "    blobdescriptor: inmemory",
      "  filesystem:",
      `    rootdirectory: ${join(root, "storage")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"));
    const proc = spawn(REFERENCE_BIN, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    const r = new ReferenceRegistry(proc, `127.0.0.1:${port}`, root);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`docker-registry exited ${proc.exitCode}: ${stderr}`);
      try {
        if ((await fetch(`http://${r.host}/v2/`)).ok) return r;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) {
        await r.stop();
        throw new Error(`docker-registry did not answer in 15 s: ${stderr}`);
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((res) => this.proc.once("exit", res));
      this.proc.kill("SIGTERM");
      await exited;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
