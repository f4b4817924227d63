import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./free-port.js";

/** moto's server (`moto_server`, from `pip install 'moto[server]'`) on a free loopback port, the benches' baseline. */
export async function startMoto(): Promise<{ origin: string; pid: number; stop(): void }> {
  const port = await freePort();
  // Its request log goes nowhere: an unread pipe would fill and stall it.
  const proc: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${origin}/moto-api/`);
      return { origin, pid: proc.pid!, stop: () => void proc.kill("SIGTERM") };
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error("moto_server did not start (is moto installed? pip install 'moto[server]')");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
