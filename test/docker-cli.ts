import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The Docker CLI with a throw-away DOCKER_CONFIG, so no test reads or writes ~/.docker. */
export class DockerCli {
  readonly configDir = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
  private readonly env = { ...process.env, DOCKER_CONFIG: this.configDir };

  run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run("docker", args, { env: this.env, maxBuffer: 64 * 1024 * 1024 });
  }

  /** `... | docker login --username AWS --password-stdin HOST`; resolves with what it printed. */
  login(host: string, password: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const p = spawn("docker", ["login", "--username", "AWS", "--password-stdin", host], { env: this.env });
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (out += d));
      p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`docker login exited ${code}: ${out}`))));
      p.stdin.end(password);
    });
  }

  /** Every tagged image the engine has under a registry host (pushed, or pulled by a task). */
  async imagesUnder(host: string): Promise<string[]> {
    const { stdout } = await this.run("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${host}/*`);
    return stdout.split("\n").filter((l) => l && !l.endsWith(":<none>"));
  }

  dispose(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}
