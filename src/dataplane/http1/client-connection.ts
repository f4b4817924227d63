import type net from "node:net";
import { albError, type LbAnswer } from "../alb-responses.js";
import { plainAddress, route, type ProxyContext } from "../http-proxy.js";
import type { ListenerConfig, LoadBalancerConfig } from "../snapshot.js";
import { Exchange, type ClientSide } from "./exchange.js";
import { Framing, writeAnswer } from "./heads.js";
import { HTTPParser, methods, newParser, readInto, type ParseError, type Parser, type SocketReader } from "./llhttp.js";
import { RequestHead } from "./request-head.js";
import { decorationOf } from "./response-headers.js";
import { WriteBatch } from "./write-batch.js";
import { handleUpgrade } from "./upgrade.js";

/** The listener a request is for. */
export interface ListenerRoute {
  readonly lb: LoadBalancerConfig;
  readonly listener: ListenerConfig;
}

/**
 * Which listener each request on a connection belongs to: always the same on a listener's own
 * address; by Host or SNI on the localhost front. `head` undefined: a request too malformed to
 * have one (its 400 is counted for the listener when the connection alone tells which).
 */
export type ResolveListener = (head: RequestHead | undefined, socket: net.Socket) => ListenerRoute | LbAnswer;

/** Parser events of pipelined requests, held while the request before them is answered. */
type Deferred =
  | { readonly kind: "head"; readonly args: Parameters<ClientConnection["onHead"]> }
  | { readonly kind: "body"; readonly chunk: Buffer }
  | { readonly kind: "end"; readonly trailers: string[] | undefined }
  | { readonly kind: "error" };

/**
 * One client connection on an HTTP or HTTPS listener (a net.Socket or tls.TLSSocket, the same to
 * this code). llhttp parses the requests; each one is routed by the listener's rules and either
 * answered by the load balancer or forwarded (exchange.ts). One request is handled at a time: a
 * client that pipelines has its next requests' parser events held (and its socket paused) until
 * the response before them is complete, so responses come back in order. A request llhttp
 * refuses (malformed, ambiguous framing, head too large) gets ALB's 400 and the connection ends.
 */
export class ClientConnection implements ClientSide {
  private readonly parser: Parser;
  readonly out: WriteBatch;
  private readonly reader: SocketReader;
  private exchange: Exchange | undefined;
  /** A head was parsed and its message (body) is not complete yet. */
  private requestOpen = false;
  /** The current request's response is not complete yet. */
  private responseOpen = false;
  private readonly deferred: Deferred[] = [];
  private pausedForBody = false;
  private pausedForPipeline = false;
  /** An Upgrade request routed to a target: the socket is handed to upgrade.ts once the parser returns. */
  private upgrade: ((rest: Buffer) => void) | undefined;
  private ended = false;
  closing = false;
  private readonly clientAddress: string;
  private idleMs: number;
  /** When the head being read began (Date.now()), 0 when no head is partly read: the head deadline. */
  private headStartedAt = 0;

  constructor(readonly socket: net.Socket, private readonly ctx: ProxyContext, private readonly resolve: ResolveListener, idleMs: number) {
    this.idleMs = idleMs;
    this.clientAddress = plainAddress(socket.remoteAddress);
    this.parser = newParser(HTTPParser.REQUEST, {
      onMessageBegin: () => {
        this.headStartedAt = Date.now();
      },
      onHeadersComplete: (_maj, minor, headers, method, url, _s, _m, upgrade, keepAlive) => {
        this.headStartedAt = 0;
        if (this.ended) return;
        if (this.deferred.length > 0 || this.responseOpen || this.requestOpen) this.defer({ kind: "head", args: [minor, headers!, method!, url!, upgrade, keepAlive] });
        else this.onHead(minor, headers!, method!, url!, upgrade, keepAlive);
      },
      onBody: (chunk) => {
        if (this.ended) return;
        if (this.deferred.length > 0) this.defer({ kind: "body", chunk });
        else this.exchange?.requestBody(chunk);
      },
      onMessageComplete: (trailers) => {
        if (this.ended) return;
        if (this.deferred.length > 0) this.defer({ kind: "end", trailers });
        else this.onRequestEnd(trailers);
      },
    });
    this.out = new WriteBatch(socket);
    socket.setNoDelay(true);
    // ALB's idle timeout: a connection with no traffic for this long is closed; one in the middle
    // of sending a request (its head, or its body before any answer) gets ALB's 408 first.
    socket.setTimeout(idleMs);
    socket.on("timeout", () => {
      if (!this.ended && this.sendingRequest()) this.requestTimeout();
      else if (!this.requestOpen && !this.responseOpen) socket.destroy();
    });
    this.reader = readInto(socket, this.parser, this.onExecute);
    socket.on("end", this.onEnd);
    socket.on("error", () => socket.destroy());
    socket.on("close", this.onClose);
  }

  /** One read has been parsed (its events have run); `result`: bytes parsed, or llhttp's error. */
  private readonly onExecute = (result: number | ParseError, data: () => Buffer): void => {
    this.exchange?.flushUpstream();
    // After the last answer (Connection: close), whatever the client still sends is ignored.
    if (this.ended && !this.upgrade) return;
    if (typeof result !== "number") {
      if (this.deferred.length > 0 || (this.responseOpen && !this.requestOpen)) this.defer({ kind: "error" });
      else this.badRequest();
      return;
    }
    const upgrade = this.upgrade;
    if (upgrade) {
      this.upgrade = undefined;
      this.detach();
      upgrade(data().subarray(result));
    }
  };

  /** The client half-closed: what it sent is all; answer the request in progress, then close. */
  private readonly onEnd = (): void => {
    this.closing = true;
    const result = this.parser.finish();
    if (result !== undefined && typeof result !== "number" && this.requestOpen) {
      // It stopped in the middle of a request.
      this.exchange?.abort();
      this.socket.destroy();
      return;
    }
    if (!this.requestOpen && !this.responseOpen && this.deferred.length === 0) this.end();
  };

  private readonly onClose = (): void => {
    const exchange = this.exchange;
    this.exchange = undefined;
    exchange?.abort();
    this.deferred.length = 0;
    setImmediate(() => this.parser.close());
  };

  private onHead(versionMinor: number, rawHeaders: string[], method: number, url: string, upgrade: boolean, keepAlive: boolean): void {
    this.requestOpen = true;
    this.responseOpen = true;
    const head = new RequestHead(methods[method]!, url, rawHeaders, versionMinor, keepAlive, upgrade, this.clientAddress);
    const resolved = this.resolve(head, this.socket);
    if ("status" in resolved) return this.answer(resolved, !keepAlive || upgrade);
    const { lb, listener } = resolved;
    if (upgrade && head.method === "CONNECT") {
      // ALB does not tunnel CONNECT.
      this.ctx.counters.elbResponse(lb.LoadBalancerArn, 400);
      return this.answer(albError(400), true, false, listener);
    }
    const routed = route(this.ctx, listener, head);
    if (routed.kind === "answer") {
      this.ctx.counters.elbResponse(lb.LoadBalancerArn, routed.answer.status, routed.action);
      return this.answer(routed.answer, !keepAlive || routed.answer.headers.connection === "close" || upgrade, head.method === "HEAD", listener);
    }
    if (upgrade) {
      // Only a request parsed straight from a read can switch protocols: its read holds the bytes after it.
      if (this.deferred.length > 0) {
        this.ctx.counters.elbResponse(lb.LoadBalancerArn, 400);
        return this.answer(albError(400), true, false, listener);
      }
      this.upgrade = (rest) => handleUpgrade(this.ctx, lb, listener, routed, head, this.socket, rest);
      return;
    }
    const framing = head.header("transfer-encoding") !== undefined ? Framing.Chunked : head.header("content-length") !== undefined ? Framing.Length : Framing.None;
    this.exchange = new Exchange(this.ctx, lb, listener, routed, head, framing, this);
  }

  private onRequestEnd(trailers: string[] | undefined): void {
    this.requestOpen = false;
    this.exchange?.requestEnd(trailers);
    if (!this.responseOpen) this.next();
  }

  /** The load balancer's own answer, as `listener`'s attributes shape it; the request's body, if any, is read and dropped. */
  private answer(answer: LbAnswer, close: boolean, bodyless = false, listener?: ListenerConfig): void {
    writeAnswer(this.socket, answer, close, bodyless, decorationOf(listener));
    this.responseDone(close);
  }

  responseDone(close: boolean): void {
    this.exchange = undefined;
    this.responseOpen = false;
    if (close || this.closing) return this.end();
    // A pause for the finished exchange's target to drain is over with it.
    if (this.pausedForBody) this.resumeReading();
    if (!this.requestOpen) this.next();
  }

  /** The exchange is over: the requests held behind it, if any, go on. */
  private next(): void {
    while (this.deferred.length > 0 && !this.ended) {
      const item = this.deferred[0]!;
      if (item.kind === "head" && (this.requestOpen || this.responseOpen)) return;
      this.deferred.shift();
      switch (item.kind) {
        case "head":
          this.onHead(...item.args);
          break;
        case "body":
          this.exchange?.requestBody(item.chunk);
          break;
        case "end":
          this.onRequestEnd(item.trailers);
          break;
        case "error":
          this.deferred.length = 0;
          return this.badRequest();
      }
      this.exchange?.flushUpstream();
    }
    if (this.ended) return;
    if (this.pausedForPipeline) {
      this.pausedForPipeline = false;
      if (!this.pausedForBody) this.reader.resume();
    }
    if (this.closing && !this.requestOpen && !this.responseOpen) this.end();
  }

  private defer(item: Deferred): void {
    this.deferred.push(item);
    if (!this.pausedForPipeline) {
      this.pausedForPipeline = true;
      this.reader.pause();
    }
  }

  pauseReading(): void {
    this.pausedForBody = true;
    this.reader.pause();
  }

  resumeReading(): void {
    this.pausedForBody = false;
    if (!this.pausedForPipeline && !this.ended) this.reader.resume();
  }

  /**
   * The head deadline, checked by the server about once a second: a request head must arrive
   * whole within the idle timeout of its first byte, however slowly it trickles in (slowloris).
   */
  checkHeadDeadline(now: number): void {
    if (this.headStartedAt === 0 || this.ended || this.requestOpen || this.responseOpen || this.deferred.length > 0) return;
    if (now - this.headStartedAt >= this.idleMs) this.requestTimeout();
  }

  /**
   * The client is in the middle of sending a request: part of its head is in, or its body is
   * not all in and nothing has been answered (and it is not held back by a slow target).
   */
  private sendingRequest(): boolean {
    if (!this.requestOpen) return !this.responseOpen && this.headStartedAt !== 0;
    return this.exchange !== undefined && !this.exchange.answering && !this.pausedForBody;
  }

  /** ALB's 408: the client did not send its request in time; the connection ends. */
  private requestTimeout(): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    exchange?.abort();
    const resolved = this.resolve(undefined, this.socket);
    if (!("status" in resolved)) this.ctx.counters.elbResponse(resolved.lb.LoadBalancerArn, 408);
    writeAnswer(this.socket, albError(408), true, false, "status" in resolved ? undefined : decorationOf(resolved.listener));
    this.end();
  }

  /** ALB's 400 for a request llhttp refused; nothing more is read from this connection. */
  private badRequest(): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    exchange?.abort();
    if (this.responseOpen && exchange) {
      // The request's body broke off midway while its target was answering: nothing sensible can follow.
      this.socket.destroy();
      return;
    }
    const resolved = this.resolve(undefined, this.socket);
    if (!("status" in resolved)) this.ctx.counters.elbResponse(resolved.lb.LoadBalancerArn, 400);
    writeAnswer(this.socket, albError(400), true, false, "status" in resolved ? undefined : decorationOf(resolved.listener));
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    // As node:http does after a last response: end, and close once what was written is out.
    this.socket.destroySoon();
  }

  /** The socket leaves this object (for a WebSocket tunnel): its events stop coming here. */
  private detach(): void {
    this.ended = true;
    // Paused, the socket buffers what arrives until the tunnel pipes it.
    this.socket.pause();
    this.reader.release();
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onClose);
    this.socket.removeAllListeners("timeout");
    this.socket.removeAllListeners("error");
    this.socket.setTimeout(0);
    setImmediate(() => this.parser.close());
  }

  /**
   * The load balancer's idle timeout changed (ModifyLoadBalancerAttributes): as on ALB, it applies
   * to this open connection too, counted afresh from now.
   */
  setIdleTimeout(ms: number): void {
    if (ms === this.idleMs || this.ended) return;
    this.idleMs = ms;
    this.socket.setTimeout(ms);
  }

  /** Whether the connection is between requests (a graceful close ends it now). */
  get idle(): boolean {
    return !this.requestOpen && !this.responseOpen && this.deferred.length === 0;
  }

  /** Graceful close: an idle connection ends now, a busy one after its response. */
  closeWhenIdle(): void {
    this.closing = true;
    if (this.idle) this.end();
  }
}
