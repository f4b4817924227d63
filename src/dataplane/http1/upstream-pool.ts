import net from "node:net";
import { HTTPParser, newParser, readInto, type Parser, type SocketReader } from "./llhttp.js";
import { WriteBatch } from "./write-batch.js";

export type UpstreamFailure = "failed" | "timeout" | "drained";

/** What an upstream connection reports to the request it currently carries (see exchange.ts). */
export interface UpstreamUser {
  /** The target it is for (targetKey): a target whose drain ends has its requests cut. */
  readonly targetKey: string;
  /** Return 1 to tell the parser the response has no body (answer to HEAD). */
  onResponseHead(status: number, message: string, rawHeaders: string[], keepAlive: boolean): number;
  onResponseBody(chunk: Buffer): void;
  /** `trailers`: the chunked body's trailer fields, if it had any. */
  onResponseEnd(trailers: string[] | undefined): void;
  /**
   * The connection failed before the response ended: "timeout" when the target went silent for
   * the idle timeout, "drained" when the target's deregistration delay ended (cutRequestsTo).
   */
  onUpstreamFailure(reason: UpstreamFailure): void;
  /** The parser has handled one read: write out what it produced (see write-batch.ts). */
  flushClient(): void;
}

/**
 * One keep-alive connection to a target, with its own response parser. It carries one request at a
 * time (no pipelining to targets); between requests it waits in its pool. Its inactivity timeout
 * is the idle timeout of the load balancer whose request it carries (set when a request takes it,
 * if it differs): while a request is out, expiry is that request's 504; while idle in the pool,
 * the connection is simply closed.
 */
export class UpstreamConnection {
  readonly socket: net.Socket;
  /** What the client's current read produces for the target (the request's head, body pieces), written once it is parsed. */
  readonly out: WriteBatch;
  private readonly parser: Parser;
  private readonly reader: SocketReader;
  user: UpstreamUser | undefined;
  /** The request the last read's events went to: its client output is flushed once the read is parsed. */
  private readFor: UpstreamUser | undefined;
  /** The target spoke while no request was out, which breaks the protocol: the connection is unusable. */
  private unsolicited = false;
  /** It carried a request before: a failure with no response may be the target closing an idle connection (see Exchange's retry). */
  reused = false;
  private failure: UpstreamFailure = "failed";
  private closed = false;

  constructor(private readonly pool: UpstreamPool, readonly host: string, readonly port: number, private idleMs: number) {
    this.parser = newParser(HTTPParser.RESPONSE, {
      onHeadersComplete: (_maj, _min, headers, _method, _url, status, message, _upgrade, keepAlive) => {
        const user = this.user;
        if (!user) {
          this.unsolicited = true;
          return 0;
        }
        this.readFor = user;
        return user.onResponseHead(status!, message ?? "", headers!, keepAlive);
      },
      onBody: (chunk) => {
        this.readFor = this.user;
        this.user?.onResponseBody(chunk);
      },
      onMessageComplete: (trailers) => this.user?.onResponseEnd(trailers),
    });
    const socket = (this.socket = net.connect({ host, port, noDelay: true }));
    this.out = new WriteBatch(socket);
    socket.setTimeout(idleMs);
    this.reader = readInto(socket, this.parser, (result) => {
      const user = this.readFor;
      this.readFor = undefined;
      user?.flushClient();
      if (typeof result !== "number" || this.unsolicited) this.fail();
    });
    socket.on("timeout", () => {
      if (this.user) this.failure = "timeout";
      this.fail();
    });
    socket.on("error", () => this.fail());
    socket.on("close", () => {
      // A response delimited by the connection's close ends here.
      if (this.user && !this.closed) this.parser.finish();
      this.fail();
    });
  }

  /** The connection is done for: the request it carries (if any) hears of it once, and it leaves its pool. */
  private fail(): void {
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.pool.forget(this);
      setImmediate(() => this.parser.close());
    }
    const user = this.user;
    this.user = undefined;
    user?.onUpstreamFailure(this.failure);
  }

  /** The next request is for a load balancer with another idle timeout. */
  useIdleTimeout(ms: number): void {
    if (ms === this.idleMs) return;
    this.idleMs = ms;
    this.socket.setTimeout(ms);
  }

  /** The client cannot take the response as fast as it comes: stop reading the target until it can. */
  pauseReading(): void {
    this.reader.pause();
  }

  resumeReading(): void {
    this.reader.resume();
  }

  /** The response ended and the request was sent whole: wait in the pool for the next one. */
  release(): void {
    this.user = undefined;
    this.reader.resume();
    // Closed already (a response delimited by the close ends from the 'close' handler): never parked.
    if (this.closed || this.socket.destroyed) return;
    this.reused = true;
    this.pool.park(this);
  }

  /** The connection cannot be reused (the target said close, or the exchange broke off midway). */
  destroy(): void {
    this.user = undefined;
    this.fail();
  }

  /** The target's drain ended: the request it carries fails as "drained". */
  cut(): void {
    if (this.closed) return;
    this.failure = "drained";
    this.fail();
  }
}

/**
 * Keep-alive connections to targets: the idle ones per target address and port, most recently
 * used first, and every open one (a target whose drain ends has the requests it still carries cut).
 */
export class UpstreamPool {
  /** By address, then port (no key string made per request). */
  private readonly idle = new Map<string, Map<number, UpstreamConnection[]>>();
  private readonly open = new Set<UpstreamConnection>();

  /** An idle connection to the target, else a new one; `fresh` skips the idle ones (a retry after a stale one failed). */
  acquire(host: string, port: number, idleMs: number, user: UpstreamUser, fresh = false): UpstreamConnection {
    const parked = fresh ? undefined : this.idle.get(host)?.get(port)?.pop();
    let conn: UpstreamConnection;
    if (parked) {
      conn = parked;
      conn.useIdleTimeout(idleMs);
    } else {
      conn = new UpstreamConnection(this, host, port, idleMs);
      this.open.add(conn);
    }
    conn.user = user;
    return conn;
  }

  /**
   * ALB at the end of a target's deregistration delay: the requests still in flight to it are cut
   * (their clients get 502, or a closed connection when the response had begun).
   */
  cutRequestsTo(targetKey: string): void {
    for (const conn of [...this.open]) if (conn.user?.targetKey === targetKey) conn.cut();
  }

  /** Targets with a request in flight. */
  busyTargets(): Set<string> {
    const keys = new Set<string>();
    for (const conn of this.open) if (conn.user) keys.add(conn.user.targetKey);
    return keys;
  }

  park(conn: UpstreamConnection): void {
    let ports = this.idle.get(conn.host);
    if (!ports) this.idle.set(conn.host, (ports = new Map()));
    let list = ports.get(conn.port);
    if (!list) ports.set(conn.port, (list = []));
    list.push(conn);
  }

  forget(conn: UpstreamConnection): void {
    this.open.delete(conn);
    const list = this.idle.get(conn.host)?.get(conn.port);
    const at = list?.indexOf(conn) ?? -1;
    if (at !== -1) list!.splice(at, 1);
  }

  /** Closes every idle connection (the engine is stopping). */
  close(): void {
    for (const ports of this.idle.values()) for (const list of ports.values()) for (const conn of [...list]) conn.destroy();
    this.idle.clear();
  }
}
