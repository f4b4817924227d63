import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Action, FixedResponseActionConfig } from "@aws-sdk/client-elastic-load-balancing-v2";
import { albError, newTraceId, sendAlbError, sendAnswer, type LbAnswer } from "./alb-responses.js";
import { selectRule, terminalAction } from "./rules/select-rule.js";
import { applyTransforms } from "./rules/transforms.js";
import { redirectLocation, redirectStatus } from "./rules/redirect.js";
import { hostWithoutPort, splitTarget, type RequestFacts } from "./rules/request-facts.js";
import { targetKey, type ListenerConfig, type LoadBalancerConfig, type TargetConfig, type TargetGroupConfig } from "./snapshot.js";
import { chooseTarget, chooseTargetGroup, type SelectionState } from "./target-selection.js";
import { stickyCookies, stickyTargetKey } from "./stickiness.js";
import type { TrafficCounter } from "./traffic-counters.js";

/** What the HTTP proxy needs from the engine; all of it read per request, so a swap is atomic. */
export interface ProxyContext {
  targetGroup(arn: string): TargetGroupConfig | undefined;
  readonly selection: SelectionState;
  /** Counts a request sent to a target until it is answered (least outstanding requests). */
  begin(key: string): void;
  end(key: string): void;
  /** What the traffic did, for the load balancers' CloudWatch metrics. */
  readonly counters: TrafficCounter;
  readonly agent: http.Agent;
}

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded.
export const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization"]);

export function requestFacts(req: IncomingMessage, listener: ListenerConfig): RequestFacts {
  const { path, query } = splitTarget(req.url ?? "/");
  return {
    method: req.method ?? "GET",
    host: hostWithoutPort(req.headers.host),
    hostHeader: req.headers.host ?? "",
    path,
    query,
    // Only http-header conditions read these: node builds headersDistinct on first access, so a
    // getter keeps that cost off requests no such rule looks at.
    get headers() {
      return req.headersDistinct;
    },
    sourceIp: clientAddress(req),
    protocol: listener.Protocol === "HTTPS" ? "HTTPS" : "HTTP",
    port: listener.Port,
  };
}

/** Where a request goes after the listener's rules: an answer from the load balancer, or a target. */
export type Route =
  | { readonly kind: "answer"; readonly answer: LbAnswer; readonly action?: "redirect" | "fixed-response" }
  | {
    readonly kind: "forward"; readonly group: TargetGroupConfig; readonly target: TargetConfig;
    /** The request target and Host the target gets: the client's, or as the rule's transforms rewrote them. */
    readonly url: string; readonly host: string | undefined;
  };

/** Evaluates the listener's rules for one request (plain or Upgrade) and picks the target. */
export function route(ctx: ProxyContext, listener: ListenerConfig, req: IncomingMessage): Route {
  const facts = requestFacts(req, listener);
  const rule = selectRule(listener, facts);
  const action = terminalAction(rule?.Actions ?? listener.DefaultActions);
  if (action?.Type === "fixed-response") return { kind: "answer", answer: fixedResponse(action), action: "fixed-response" };
  if (action?.Type === "redirect" && action.RedirectConfig) {
    const headers = { server: "awselb/2.0", location: redirectLocation(action.RedirectConfig, facts), "content-length": 0 };
    return { kind: "answer", answer: { status: redirectStatus(action.RedirectConfig), headers, body: "" }, action: "redirect" };
  }
  if (action?.Type !== "forward") return { kind: "answer", answer: albError(500) };
  const arn = chooseTargetGroup(action);
  const group = arn === undefined ? undefined : ctx.targetGroup(arn);
  const target = group && chooseTarget(group, ctx.selection, stickyTargetKey(group, req));
  if (!group || !target) return { kind: "answer", answer: albError(503) };
  const rewritten = applyTransforms(rule?.Transforms, { host: req.headers.host, url: req.url ?? "/" });
  if (!rewritten) return { kind: "answer", answer: albError(500) };
  return { kind: "forward", group, target, ...rewritten };
}

/** One request on an HTTP listener: evaluate the rules, then answer, redirect or forward. */
export function handleRequest(ctx: ProxyContext, lb: LoadBalancerConfig, listener: ListenerConfig, req: IncomingMessage, res: ServerResponse): void {
  const routed = route(ctx, listener, req);
  if (routed.kind === "answer") {
    ctx.counters.elbResponse(lb.LoadBalancerArn, routed.answer.status, routed.action);
    return sendAnswer(res, routed.answer);
  }
  forward(ctx, lb, listener, routed, req, res);
}

function fixedResponse(action: Action): LbAnswer {
  const config: FixedResponseActionConfig = action.FixedResponseConfig ?? { StatusCode: "200" };
  const body = config.MessageBody ?? "";
  return { status: Number(config.StatusCode ?? 200), headers: { server: "awselb/2.0", "content-type": config.ContentType ?? "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) }, body };
}

/** The request's headers as the target gets them: hop-by-hop ones dropped, ALB's X-Forwarded-* and trace id added. */
export function forwardedHeaders(req: IncomingMessage, listener: ListenerConfig, host = req.headers.host): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!hopByHop.has(name) && value !== undefined) headers[name] = value;
  if (host !== undefined) headers.host = host;
  const client = clientAddress(req);
  headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${client}` : client;
  headers["x-forwarded-proto"] = listener.Protocol === "HTTPS" ? "https" : "http";
  headers["x-forwarded-port"] = String(listener.Port);
  // ALB keeps a trace id the client already sent, and starts a new one otherwise.
  if (!req.headers["x-amzn-trace-id"]) headers["x-amzn-trace-id"] = newTraceId();
  return headers;
}

/** Streams the request to the target and its response back; neither body is ever held whole. */
function forward(ctx: ProxyContext, lb: LoadBalancerConfig, listener: ListenerConfig, routed: Extract<Route, { kind: "forward" }>, req: IncomingMessage, res: ServerResponse): void {
  const { group, target } = routed;
  const key = targetKey(group.TargetGroupArn, target);
  const started = performance.now();
  let status: number | undefined;
  let answered: 502 | 504 | undefined;
  let finished = false;
  const done = () => {
    if (finished) return;
    finished = true;
    ctx.end(key);
  };
  ctx.begin(key);
  ctx.counters.request(lb.LoadBalancerArn, group.TargetGroupArn);
  const headers = forwardedHeaders(req, listener, routed.host);

  const idleMs = (lb.IdleTimeoutSeconds ?? 60) * 1000;
  const upstream = http.request({ host: target.Address, port: target.Port, method: req.method, path: routed.url, headers, agent: ctx.agent });
  let timedOut = false;
  upstream.setTimeout(idleMs, () => {
    timedOut = true;
    upstream.destroy();
  });
  upstream.on("response", (upstreamRes) => {
    status = upstreamRes.statusCode ?? 502;
    // TargetResponseTime: from the request leaving the load balancer to the target's response headers.
    ctx.counters.targetResponse(lb.LoadBalancerArn, group.TargetGroupArn, status, (performance.now() - started) / 1000);
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(upstreamRes.headers)) if (!hopByHop.has(name) && value !== undefined) out[name] = value;
    const cookies = stickyCookies(group, key, upstreamRes.headers["set-cookie"]);
    if (cookies.length > 0) out["set-cookie"] = [...(upstreamRes.headers["set-cookie"] ?? []), ...cookies];
    res.writeHead(status, out);
    upstreamRes.pipe(res);
    upstreamRes.on("end", done);
    upstreamRes.on("error", () => {
      done();
      res.destroy();
    });
  });
  upstream.on("error", () => {
    // Before the response started, ALB answers for the target: 504 if it went silent, else 502
    // (connection refused, reset, or closed without answering).
    if (status === undefined) {
      status = answered = timedOut ? 504 : 502;
      ctx.counters.elbResponse(lb.LoadBalancerArn, answered);
      sendAlbError(res, answered);
    } else {
      res.destroy();
    }
    done();
  });
  // The client went away: stop the target's work too.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
    done();
  });
  req.pipe(upstream);
}

/** The client's address, IPv4-mapped IPv6 ("::ffff:127.0.0.1") written as plain IPv4. */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
