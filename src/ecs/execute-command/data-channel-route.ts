import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../../core/logger.js";
import { commandWords } from "./command-words.js";
import type { ContainerShells } from "../../agent/container-shell.js";
import { runDataChannel } from "./data-channel.js";
import type { ExecSessions, ExecTarget } from "./exec-sessions.js";
import type { SessionRecorder } from "./session-logging.js";

/** The data channel's path, as Session Manager's (ssmmessages) own: /v1/data-channel/<sessionId>. */
export const DATA_CHANNEL_PATH = "/v1/data-channel/";
/** How long a connected client has to send its token (OpenDataChannel). */
const OPEN_TIMEOUT_MS = 10_000;
/** Refusals as WebSocket close codes: 1008 policy violation (bad token), 1011 the target failed. */
const POLICY = 1008;
const FAILED = 1011;
/** Messages kept between the token and the command's start (ssm-session sends one). */
const MAX_EARLY = 100;

export interface DataChannelServer {
  /** Ends every open session (the server is closing). */
  close(): void;
}

/**
 * Serves ExecuteCommand's streamUrl on the API's own port: WebSocket upgrades of
 * /v1/data-channel/<sessionId> for a session waiting to be opened. The client's first message
 * (OpenDataChannel, JSON: MessageSchemaVersion, RequestId, TokenValue) must carry the session's
 * token; then the command starts in the session's container and the data channel runs. Any
 * other upgrade request is refused with 404, an unknown or used session with 404 too.
 */
export function serveDataChannels(server: Server, { sessions, shells, log, record, upgrades }: {
  sessions: ExecSessions; shells: ContainerShells; log: Logger;
  record?: (target: ExecTarget) => SessionRecorder | undefined;
  /** Other WebSocket routes on this port (remote agents' exec relays): true when it took the request. */
  upgrades?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
}): DataChannelServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const open = new Set<WebSocket>();

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (upgrades?.(req, socket, head)) return;
    const sessionId = pathAfter(DATA_CHANNEL_PATH, req.url);
    if (!sessionId || !sessions.pending(sessionId)) {
      socket.on("error", () => {}); // a peer gone already: nothing to answer
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      open.add(ws);
      ws.on("close", () => open.delete(ws));
      // A protocol error (an oversized or malformed frame) closes the socket; it must not throw.
      ws.on("error", (err) => log.debug({ sessionId, err: err.message }, "data channel connection failed"));
      accept(ws, sessionId);
    });
  });

  const accept = (ws: WebSocket, sessionId: string) => {
    const timer = setTimeout(() => ws.close(POLICY, "no token"), OPEN_TIMEOUT_MS);
    // What the client sends after its token, before the command has started, is kept for the
    // data channel (ssm-session sends its terminal size at once).
    const early: Array<[Buffer, boolean]> = [];
    let claimed = false;
    const collect = (data: Buffer, isBinary: boolean) => {
      if (claimed) return void (early.length < MAX_EARLY && early.push([data, isBinary]));
      claimed = true;
      clearTimeout(timer);
      const target = sessions.claim(sessionId, tokenOf(data));
      if (!target) {
        log.info({ sessionId }, "execute command session refused: bad or expired token");
        ws.close(POLICY, "invalid token");
        return;
      }
      start(ws, target, () => {
        ws.off("message", collect);
        for (const [d, b] of early) ws.emit("message", d, b);
      }).catch((err: Error) => {
        log.warn({ sessionId, err: err.message }, "execute command session could not start");
        ws.close(FAILED, "the command could not start");
      });
    };
    ws.on("message", collect);
  };

  const start = async (ws: WebSocket, target: ExecTarget, started: () => void) => {
    const argv = commandWords(target.command) ?? [];
    const shell = await shells.open(target, argv);
    if (ws.readyState !== ws.OPEN) return shell.close();
    log.info({ sessionId: target.sessionId, taskArn: target.taskArn, container: target.containerName }, "execute command session started");
    runDataChannel({ socket: ws, shell, sessionId: target.sessionId, destinationId: target.taskArn.split("/").pop()!, log, record: record?.(target) });
    started();
  };

  return {
    close() {
      for (const ws of open) ws.terminate();
      wss.close();
    },
  };
}

/** What a request's path names after `prefix` (a data channel's session, an agent's relay); undefined for any other path, or one that does not decode. */
export function pathAfter(prefix: string, url: string | undefined): string | undefined {
  try {
    const { pathname } = new URL(url ?? "/", "http://berth");
    return pathname.startsWith(prefix) ? decodeURIComponent(pathname.slice(prefix.length)) : undefined;
  } catch {
    return undefined;
  }
}

/** The TokenValue of an OpenDataChannel message; "" when it is not one. */
function tokenOf(data: Buffer): string {
  try {
    const token = (JSON.parse(data.toString("utf8")) as { TokenValue?: unknown }).TokenValue;
    return typeof token === "string" ? token : "";
  } catch {
    return "";
  }
}
