/**
 * The ALB's HTTP/1 servers (listeners and the localhost front), on raw sockets instead of
 * node:http. Why: on this machine's bench (docs/benchmarks.md, "Load balancer"), node:http's
 * IncomingMessage/ServerResponse/ClientRequest machinery costs so much per request that a bare
 * node:http reverse proxy with nothing else in it used 8.7-12.7 CPU s per 100,000 requests
 * (0.21-0.25x nginx) and Berth's ALB on it 13-14.4 (0.16-0.18x), against the target of
 * 0.5x. A prototype on net sockets with the same parser measured 4.78 s (0.53x). Parsing is not
 * hand-written: it is llhttp, through the very binding node:http uses, strict (llhttp.ts). What
 * Berth writes is the proxy around it: connection handling (client-connection.ts), the target
 * side (upstream-pool.ts, exchange.ts), head serialisation (heads.ts), body framing
 * and batching (write-batch.ts) and WebSocket tunnels (upgrade.ts).
 */
import net from "node:net";
import tls from "node:tls";
import type { ProxyContext } from "../http-proxy.js";
import { ClientConnection, type ResolveListener } from "./client-connection.js";

/** An HTTP/1 server: plain, or TLS-terminating with `tlsOptions`; it keeps its connections for graceful and hard closes. */
export interface Http1Server {
  readonly server: net.Server;
  /** The idle timeout changed: open connections take it too (new ones read `idleMs()`). */
  setIdleTimeout(ms: number): void;
  /** Stop accepting; idle connections end now, busy ones after their response. */
  closeGracefully(): void;
  /** Stop accepting and drop every connection. */
  close(): Promise<void>;
}

export function createHttp1Server(ctx: ProxyContext, resolve: ResolveListener, idleMs: () => number, tlsOptions?: tls.TlsOptions): Http1Server {
  const connections = new Set<ClientConnection>();
  const onSocket = (socket: net.Socket) => {
    const connection = new ClientConnection(socket, ctx, resolve, idleMs());
    connections.add(connection);
    socket.on("close", () => connections.delete(connection));
  };
  // allowHalfOpen: a client that half-closes after its request still gets the answer (as with node:http).
  const server = tlsOptions ? tls.createServer({ ...tlsOptions, allowHalfOpen: true }, onSocket) : net.createServer({ allowHalfOpen: true }, onSocket);
  // Heads that take too long (client-connection.ts): one sweep a second, rather than a timer per request.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of connections) c.checkHeadDeadline(now);
  }, 1000).unref();
  server.on("close", () => clearInterval(sweep));
  return {
    server,
    setIdleTimeout(ms) {
      for (const c of connections) c.setIdleTimeout(ms);
    },
    closeGracefully() {
      server.close();
      for (const c of connections) c.closeWhenIdle();
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.socket.destroy();
      });
    },
  };
}
