import WebSocket from "ws";
import type { Logger } from "../core/logger.js";
import type { ContainerShells, Shell } from "./container-shell.js";
import { AGENT_TOKEN_HEADER, EXEC_RELAY_PATH, type ExecCommand, type ExecControl } from "./protocol/messages.js";

/**
 * The agent's end of an ExecuteCommand session on one of its tasks. The agent protocol only
 * carries the `exec` command: an interactive terminal does not fit its polls, so the agent opens
 * a WebSocket to the server (as it makes every connection: an agent behind NAT still works),
 * starts the command in the container with a TTY (the same `docker exec` and label check as
 * the server's own) and relays bytes both ways; the server's data channel does the rest.
 */
export function execRelay({ endpoint, token, shells, log }: { endpoint: string; token: string | undefined; shells: ContainerShells; log: Logger }): (c: ExecCommand) => void {
  return (c) => {
    relay(c).catch((err: Error) => log.warn({ relayId: c.relayId, taskArn: c.target.taskArn, err: err.message }, "execute command relay failed"));
  };

  async function relay(c: ExecCommand): Promise<void> {
    const url = new URL(`${EXEC_RELAY_PATH}${encodeURIComponent(c.relayId)}`, endpoint);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url, { headers: token ? { [AGENT_TOKEN_HEADER]: token } : {} });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.on("error", (err) => log.debug({ relayId: c.relayId, err: err.message }, "execute command relay connection failed"));
    const control = (m: ExecControl) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    let shell: Shell;
    try {
      shell = await shells.open(c.target, c.argv);
    } catch (err) {
      control({ error: (err as Error).message });
      ws.close();
      return;
    }
    if (ws.readyState !== ws.OPEN) return shell.close();
    log.info({ relayId: c.relayId, taskArn: c.target.taskArn, container: c.target.containerName }, "execute command session relayed");
    shell.onOutput((data) => ws.readyState === ws.OPEN && ws.send(data, { binary: true }));
    shell.onExit((code) => {
      control({ exit: code ?? null });
      ws.close(1000);
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return shell.write(data);
      const m = parseControl(data);
      if (m && "resize" in m) shell.resize(m.resize[0], m.resize[1]);
      else if (m && "pause" in m) (m.pause ? shell.pause() : shell.resume());
    });
    ws.on("close", () => shell.close());
    control({ started: true });
  }
}

/** A control message, or undefined when the text is not one (it is ignored). */
export function parseControl(data: Buffer | string): ExecControl | undefined {
  try {
    const m = JSON.parse(data.toString()) as Record<string, unknown>;
    if (typeof m !== "object" || m === null) return undefined;
    if (Array.isArray(m.resize) && m.resize.length === 2 && m.resize.every((n) => Number.isInteger(n) && (n as number) > 0)) return { resize: [m.resize[0], m.resize[1]] as [number, number] };
    if (typeof m.pause === "boolean") return { pause: m.pause };
    if (m.started === true) return { started: true };
    if (typeof m.error === "string") return { error: m.error };
    if ("exit" in m && (m.exit === null || Number.isInteger(m.exit))) return { exit: m.exit as number | null };
    return undefined;
  } catch {
    return undefined;
  }
}
