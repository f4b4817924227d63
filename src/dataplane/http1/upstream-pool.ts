import net from "node:net";
import { HTTPParser, newParser, readInto, type Parser, type SocketReader } from "./llhttp.js";

/** What an upstream connection reports to the request it currently carries (see exchange.ts). */
export interface UpstreamUser {
  /** Return 1 to tell the parser the response has no body (answer to HEAD). */
  onResponseHead(status: number, message: string, rawHeaders: string[], keepAlive: boolean): number;
  onResponseBody(chunk: Buffer): void;
  /** `trailers`: the chunked body's trailer fields, if it had any. */
  onResponseEnd(trailers: string[] | undefined): void;
  /** The connection failed before the response ended: `timedOut` when the target went silent for the idle timeout. */
  onUpstreamFailure(timedOut: boolean): void;
  /** The parser has handled one read: write out what it produced (see Exchange's corking). */
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
  private readonly parser: Parser;
  private readonly reader: SocketReader;
  user: UpstreamUser | undefined;
  /** The request the last read's events went to: its client output is flushed once the read is parsed. */
  private readFor: UpstreamUser | undefined;
  /** The target spoke while no request was out, which breaks the protocol: the connection is unusable. */
  private unsolicited = false;
  /** It carried a request before: a failure with no response may be the target closing an idle connection (see Exchange's retry). */
  reused = false;
  private timedOut = false;
  private closed = false;

  constructor(private readonly pool: UpstreamPool, readonly key: string, host: string, port: number, private idleMs: number) {
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
    socket.setTimeout(idleMs);
    this.reader = readInto(socket, this.parser, (result) => {
      const user = this.readFor;
      this.readFor = undefined;
      user?.flushClient();
      if (typeof result !== "number" || this.unsolicited) this.fail();
    });
    socket.on("timeout", () => {
      this.timedOut = this.user !== undefined;
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
    user?.onUpstreamFailure(this.timedOut);
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
}

/** Idle keep-alive connections per target address and port, most recently used first. */
export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConnection[]>();

  /** An idle connection to the target, else a new one; `fresh` skips the idle ones (a retry after a stale one failed). */
  acquire(host: string, port: number, idleMs: number, user: UpstreamUser, fresh = false): UpstreamConnection {
    const key = `${host}:${port}`;
    const parked = fresh ? undefined : this.idle.get(key)?.pop();
    parked?.useIdleTimeout(idleMs);
    const conn = parked ?? new UpstreamConnection(this, key, host, port, idleMs);
    conn.user = user;
    return conn;
  }

  park(conn: UpstreamConnection): void {
    let list = this.idle.get(conn.key);
    if (!list) this.idle.set(conn.key, (list = []));
    list.push(conn);
  }

  forget(conn: UpstreamConnection): void {
    const list = this.idle.get(conn.key);
    const at = list?.indexOf(conn) ?? -1;
    if (at !== -1) list!.splice(at, 1);
  }

  /** Closes every idle connection (the engine is stopping). */
  close(): void {
    for (const list of this.idle.values()) for (const conn of [...list]) conn.destroy();
    this.idle.clear();
  }
}
