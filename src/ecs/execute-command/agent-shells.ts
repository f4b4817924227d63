import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Db } from "../../store/database.js";
import type { Logger } from "../../core/logger.js";
import type { ContainerShells, Shell, ShellTarget } from "../../agent/container-shell.js";
import { parseControl } from "../../agent/exec-relay.js";
import { tokenMatches } from "../../agent/protocol/auth.js";
import { AGENT_TOKEN_HEADER, EXEC_RELAY_PATH, type ExecControl } from "../../agent/protocol/messages.js";
import type { AgentRunner } from "../agent-link/agent-runner.js";
import { findInstance } from "../instances/instance-store.js";
import { pathAfter } from "./data-channel-route.js";
import { instanceOfTask, isRemote } from "../instances/remote-instances.js";

/** How long a remote agent has to connect its relay and start the command. */
const RELAY_START_MS = 15_000;

export interface AgentShells {
  /** Shells wherever the task runs: on this server's engine, or relayed by its `berth agent`. */
  shells: ContainerShells;
  /** Takes an agent's relay WebSocket upgrade (EXEC_RELAY_PATH); false for any other path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

/**
 * ExecuteCommand on tasks of remote agents: the agent that runs the task is sent an `exec`
 * command over its existing session, connects a WebSocket back to this server (it always makes
 * the connections), runs the command and relays its terminal (src/agent/exec-relay.ts). Tasks of
 * the embedded agent keep using `local`.
 */
export function agentShells({ db, runner, agentToken, local, log, startMs = RELAY_START_MS }: {
  db: Db; runner: AgentRunner; agentToken: string | undefined; local: ContainerShells; log: Logger; startMs?: number;
}): AgentShells {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  /** Relays asked of an agent, waiting for its connection. */
  const waiting = new Map<string, (ws: WebSocket) => void>();
  const open = new Set<WebSocket>();

  /** The connected remote agent's session of the instance the task runs on, if it runs on one. */
  const remote = (taskArn: string) => {
    const arn = instanceOfTask(db, taskArn);
    const instance = arn ? findInstance(db, arn)?.instance : undefined;
    if (!isRemote(instance)) return undefined;
    return { session: instance!.agentConnected ? runner.sessions.get(arn!) : undefined };
  };

  /** Asks the task's agent to run the command and waits for its relay to connect and start it. */
  const openRelayed = async (target: ShellTarget, argv: string[]): Promise<Shell> => {
    const session = remote(target.taskArn)?.session;
    if (!session) throw new Error("the task's agent is not connected");
    const relayId = randomUUID();
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const timer = setTimeout(() => (waiting.delete(relayId), reject(new Error("the task's agent did not connect the session"))), startMs);
      waiting.set(relayId, (ws) => (clearTimeout(timer), resolve(ws)));
      session.send({ type: "exec", relayId, target, argv });
    });
    return relayShell(ws, startMs);
  };

  return {
    shells: {
      async reachable(target: ShellTarget) {
        const r = remote(target.taskArn);
        return r ? r.session !== undefined : local.reachable(target);
      },
      open: (target, argv) => (remote(target.taskArn) ? openRelayed(target, argv) : local.open(target, argv)),
    },
    upgrade(req, socket, head) {
      const relayId = pathAfter(EXEC_RELAY_PATH, req.url);
      if (relayId === undefined) return false;
      socket.on("error", () => {}); // a peer gone already: nothing to answer
      const token = req.headers[AGENT_TOKEN_HEADER];
      if (!tokenMatches(agentToken, typeof token === "string" ? token : undefined)) {
        log.warn({ ip: req.socket.remoteAddress }, "execute command relay refused: bad or missing agent token");
        socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return true;
      }
      const take = waiting.get(relayId);
      if (!take) {
        socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return true;
      }
      waiting.delete(relayId);
      wss.handleUpgrade(req, socket, head, (ws) => {
        open.add(ws);
        ws.on("close", () => open.delete(ws));
        ws.on("error", (err) => log.debug({ relayId, err: err.message }, "execute command relay connection failed"));
        take(ws);
      });
      return true;
    },
    close() {
      for (const ws of open) ws.terminate();
      wss.close();
    },
  };
}

/**
 * The relay's WebSocket as a Shell, once the agent says the command started. Output that arrives
 * before the data channel listens is kept for it (one frame may bring "started" and output).
 */
function relayShell(ws: WebSocket, startMs: number): Promise<Shell> {
  let output: ((data: Buffer) => void) | undefined;
  const early: Buffer[] = [];
  let exited: ((code: number | undefined) => void) | undefined;
  let exit: { code: number | undefined } | undefined;
  const finish = (code: number | undefined) => {
    if (exit) return;
    exit = { code };
    exited?.(code);
  };
  const control = (m: ExecControl) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
  const shell: Shell = {
    write: (data) => void (ws.readyState === ws.OPEN && ws.send(data, { binary: true })),
    resize: (cols, rows) => void control({ resize: [cols, rows] }),
    onOutput: (listener) => {
      output = listener;
      early.splice(0).forEach(listener);
    },
    pause: () => void control({ pause: true }),
    resume: () => void control({ pause: false }),
    onExit: (listener) => {
      exited = listener;
      if (exit) listener(exit.code);
    },
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (ws.terminate(), reject(new Error("the command did not start on the task's agent"))), startMs);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return void (output ? output(data) : early.push(data));
      const m = parseControl(data);
      if (m && "started" in m) {
        clearTimeout(timer);
        resolve(shell);
      } else if (m && "error" in m) {
        clearTimeout(timer);
        reject(new Error(m.error));
      } else if (m && "exit" in m) finish(m.exit ?? undefined);
    });
    ws.on("close", () => {
      clearTimeout(timer);
      // Before "started" the open fails; after it, the command is over.
      reject(new Error("the task's agent closed the session before the command started"));
      finish(undefined);
    });
  });
}
