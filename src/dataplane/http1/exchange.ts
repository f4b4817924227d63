import type net from "node:net";
import { albError } from "../alb-responses.js";
import type { ProxyContext, Forward } from "../http-proxy.js";
import { idleMs, keyOfTarget, type ListenerConfig, type LoadBalancerConfig } from "../snapshot.js";
import { stickyCookies } from "../stickiness.js";
import { Framing, forwardedRequestHead, forwardedResponseHead, setCookies, writeAnswer } from "./heads.js";
import type { RequestHead } from "./request-head.js";
import { decorationOf } from "./response-headers.js";
import type { UpstreamConnection, UpstreamFailure, UpstreamUser } from "./upstream-pool.js";
import type { WriteBatch } from "./write-batch.js";

/** No Set-Cookie of the load balancer's own (shared: nothing adds to it). */
const noCookies: readonly string[] = [];

/** What an exchange needs from the client's connection (client-connection.ts). */
export interface ClientSide {
  readonly socket: net.Socket;
  /** What the current read of the target produces for the client, written once it is parsed. */
  readonly out: WriteBatch;
  /** The client half-closed: the connection ends after this response. */
  readonly closing: boolean;
  /** The response is over; `close`: end the connection after it. */
  responseDone(close: boolean): void;
  /** The target cannot take the request body as fast as it comes: stop reading the client until it can. */
  pauseReading(): void;
  resumeReading(): void;
}

/**
 * One request forwarded to a target and its response relayed back, both bodies streamed piece by
 * piece as llhttp hands them over: never held whole, and each side paused while the other's
 * socket buffer is full (write() returned false) until it drains. Before the response starts, a
 * failing target gets ALB's own answer in its place: 504 if it went silent for the idle timeout,
 * 502 otherwise (refused, reset, closed, not speaking HTTP, or its deregistration delay ended with
 * the request still out).
 */
export class Exchange implements UpstreamUser {
  private upstream: UpstreamConnection | undefined;
  readonly targetKey: string;
  private readonly started = performance.now();
  private readonly headText: string;
  private requestComplete = false;
  private responseStarted = false;
  private finished = false;
  private framing = Framing.None;
  private closeAfter = false;
  private upstreamKeepAlive = false;
  private bodySent = false;
  private retried = false;
  /** The response being parsed is an interim one (1xx): its end is not the exchange's. */
  private interim = false;
  private waitingForUpstreamDrain = false;
  private waitingForClientDrain = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly lb: LoadBalancerConfig,
    private readonly listener: ListenerConfig,
    private readonly route: Forward,
    private readonly head: RequestHead,
    private readonly requestFraming: Framing,
    private readonly client: ClientSide,
  ) {
    this.targetKey = keyOfTarget(route.group, route.target);
    this.headText = forwardedRequestHead(head, route.url, route.host, listener, requestFraming === Framing.Chunked);
    ctx.begin(this.targetKey);
    ctx.counters.request(lb.LoadBalancerArn, route.group.TargetGroupArn);
    this.connect(false);
  }

  private connect(fresh: boolean): void {
    const { target } = this.route;
    const upstream = (this.upstream = this.ctx.pool.acquire(target.Address, target.Port, idleMs(this.lb), this, fresh));
    // Written with what the rest of the client's read brings (flushUpstream), in one write.
    upstream.out.add(this.headText);
  }

  /** The target's answer has begun (its final response head is in). */
  get answering(): boolean {
    return this.responseStarted;
  }

  /** The client's read has been parsed: send what it produced for the target. */
  flushUpstream(): void {
    const upstream = this.upstream;
    if (upstream && !upstream.out.flush()) this.upstreamFull(upstream);
  }

  requestBody(chunk: Buffer): void {
    const upstream = this.upstream;
    if (!upstream || this.finished) return;
    this.bodySent = true;
    if (!upstream.out.body(this.requestFraming, chunk)) this.upstreamFull(upstream);
  }

  /** The target cannot take the request body as fast as it comes: the client is paused until it drains. */
  private upstreamFull(upstream: UpstreamConnection): void {
    if (this.waitingForUpstreamDrain) return;
    this.waitingForUpstreamDrain = true;
    this.client.pauseReading();
    upstream.socket.once("drain", () => {
      this.waitingForUpstreamDrain = false;
      if (!this.finished) this.client.resumeReading();
    });
  }

  /** The request is all in; `trailers`: its chunked body's trailer fields, passed on. */
  requestEnd(trailers: string[] | undefined): void {
    this.requestComplete = true;
    if (this.upstream && !this.finished) this.upstream.out.end(this.requestFraming, trailers);
  }

  onResponseHead(status: number, message: string, raw: string[], keepAlive: boolean): number {
    if (status < 200) {
      this.interim = true;
      // 100 Continue and other interim answers pass to HTTP/1.1 clients; the final answer follows.
      if (this.head.versionMinor >= 1 && status !== 101) this.client.out.add(forwardedResponseHead(status, message, raw, noCookies, true, 1, false).text);
      return 0;
    }
    this.responseStarted = true;
    this.upstreamKeepAlive = keepAlive;
    const { group } = this.route;
    // TargetResponseTime: from the request leaving the load balancer to the target's response head.
    this.ctx.counters.targetResponse(this.lb.LoadBalancerArn, group.TargetGroupArn, status, (performance.now() - this.started) / 1000);
    const targetCookies = group.Attributes["stickiness.enabled"] ? stickyCookies(group, this.targetKey, setCookies(raw)) : noCookies;
    // Target group stickiness (AWSALBTG) and target stickiness (AWSALB/AWSALBAPP) together, as on ALB.
    const groupCookies = this.route.groupCookies;
    const cookies = groupCookies === undefined ? targetCookies : [...groupCookies, ...targetCookies];
    const isHead = this.head.method === "HEAD";
    const bodyless = isHead || status === 204 || status === 304;
    const close = !this.head.keepAlive || this.client.closing;
    const head = forwardedResponseHead(status, message, raw, cookies, bodyless, this.head.versionMinor, close, decorationOf(this.listener));
    this.framing = head.framing;
    this.closeAfter = close || head.framing === Framing.Close;
    this.client.out.add(head.text);
    return isHead ? 1 : 0;
  }

  onResponseBody(chunk: Buffer): void {
    if (!this.client.out.body(this.framing, chunk)) this.clientFull();
  }

  /** The target's read has been parsed: send what it produced for the client. */
  flushClient(): void {
    if (!this.client.out.flush()) this.clientFull();
  }

  /** The client cannot take the response as fast as it comes: the target is paused until it drains. */
  private clientFull(): void {
    const upstream = this.upstream;
    if (this.waitingForClientDrain || !upstream) return;
    this.waitingForClientDrain = true;
    upstream.pauseReading();
    this.client.socket.once("drain", () => {
      this.waitingForClientDrain = false;
      if (this.upstream === upstream) upstream.resumeReading();
    });
  }

  onResponseEnd(trailers: string[] | undefined): void {
    if (this.interim) {
      this.interim = false;
      return;
    }
    this.client.out.end(this.framing, trailers);
    const upstream = this.upstream!;
    this.upstream = undefined;
    // Reusable only if the request went out whole: bytes still queued would reach the target as the next request.
    if (this.upstreamKeepAlive && this.requestComplete && upstream.socket.writableLength === 0) {
      upstream.release();
    } else {
      upstream.destroy();
    }
    this.finish();
    this.flushClient();
    // A target that answered before the request body was all in: the rest of it is never read, so the connection ends.
    this.client.responseDone(this.closeAfter || !this.requestComplete);
  }

  onUpstreamFailure(reason: UpstreamFailure): void {
    const failed = this.upstream;
    this.upstream = undefined;
    if (this.finished) return;
    if (!this.responseStarted) {
      // A kept-alive connection the target closed just as the request went out: once, on a new connection.
      if (failed?.reused && reason === "failed" && !this.retried && !this.bodySent && this.requestFraming === Framing.None) {
        this.retried = true;
        this.connect(true);
        this.flushUpstream();
        return;
      }
      // The target went silent: 504; it failed, or its drain ended with the request still out: 502 (as ALB).
      const status = reason === "timeout" ? 504 : 502;
      this.ctx.counters.elbResponse(this.lb.LoadBalancerArn, status);
      this.finish();
      const { socket } = this.client;
      this.client.out.flush(); // an interim 100 Continue goes first
      if (!socket.destroyed) writeAnswer(socket, albError(status), true, false, decorationOf(this.listener));
      this.client.responseDone(true);
      return;
    }
    // Midway through the response: the client can only learn of it from its connection closing.
    this.finish();
    this.flushClient();
    this.client.socket.destroy();
  }

  /** The client went away: the target's work stops too. */
  abort(): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    upstream?.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.ctx.end(this.targetKey);
  }
}
