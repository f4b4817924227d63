import http, { type IncomingMessage } from "node:http";
import type net from "node:net";
import type { Duplex } from "node:stream";
import { albError, sendAnswerOnSocket } from "./alb-responses.js";
import { forwardedHeaders, route, type ProxyContext } from "./http-proxy.js";
import { targetKey, type ListenerConfig, type LoadBalancerConfig } from "./snapshot.js";
import { stickyCookies } from "./stickiness.js";

/**
 * One HTTP Upgrade request (WebSocket) on an ALB listener. ALB passes WebSockets through: the
 * request goes through the listener's rules and target selection (stickiness included) like any
 * other; the chosen target's 101 comes back to the client, and from then on bytes flow both ways
 * until either side closes, or neither sends anything for the idle timeout. A target that answers
 * without switching protocols has its answer relayed, and the connection ends.
 */
export function handleUpgrade(ctx: ProxyContext, lb: LoadBalancerConfig, listener: ListenerConfig, req: IncomingMessage, client: Duplex, head: Buffer): void {
  // node hands 'upgrade' listeners a net.Socket (a tls.TLSSocket on HTTPS listeners).
  const socket = client as net.Socket;
  client.on("error", () => client.destroy());
  const routed = route(ctx, listener, req);
  if (routed.kind === "answer") {
    ctx.counters.elbResponse(lb.LoadBalancerArn, routed.answer.status, routed.action);
    return sendAnswerOnSocket(client, routed.answer);
  }
  const { group, target } = routed;
  const key = targetKey(group.TargetGroupArn, target);
  const started = performance.now();
  let settled = false;
  /** The target answered (`by` "target": 101 or its refusal) or the load balancer did in its place (502/504). */
  const settle = (status: number, by: "target" | "elb") => {
    if (settled) return;
    settled = true;
    ctx.end(key);
    if (by === "target") ctx.counters.targetResponse(lb.LoadBalancerArn, group.TargetGroupArn, status, (performance.now() - started) / 1000);
    else ctx.counters.elbResponse(lb.LoadBalancerArn, status);
  };
  ctx.begin(key);
  ctx.counters.request(lb.LoadBalancerArn, group.TargetGroupArn);

  const headers = forwardedHeaders(req, listener, routed.host);
  // The two hop-by-hop headers that ask the target to switch protocols are this request's point.
  headers.connection = "Upgrade";
  headers.upgrade = req.headers.upgrade;
  const idleMs = (lb.IdleTimeoutSeconds ?? 60) * 1000;
  // No keep-alive agent: an upgraded socket never returns to a pool.
  const upstream = http.request({ host: target.Address, port: target.Port, method: req.method, path: routed.url, headers, agent: false });
  let timedOut = false;
  upstream.setTimeout(idleMs, () => {
    timedOut = true;
    upstream.destroy();
  });
  client.on("close", () => {
    if (!settled) upstream.destroy();
  });

  upstream.on("upgrade", (res, targetSocket, targetHead) => {
    settle(101, "target");
    const lines = [`HTTP/1.1 101 ${res.statusMessage || "Switching Protocols"}`];
    for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    for (const cookie of stickyCookies(group, key, res.headers["set-cookie"])) lines.push(`Set-Cookie: ${cookie}`);
    client.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (targetHead.length > 0) client.write(targetHead);
    if (head.length > 0) targetSocket.write(head);
    pipeBoth(socket, targetSocket, idleMs);
  });
  upstream.on("response", (res) => {
    // The target declined to switch: relay its answer as it is, then close (the body ends with the connection).
    settle(res.statusCode ?? 502, "target");
    const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ""}`];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const name = res.rawHeaders[i]!.toLowerCase();
      if (name !== "connection" && name !== "transfer-encoding" && name !== "keep-alive") lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    }
    lines.push("Connection: close");
    client.write(`${lines.join("\r\n")}\r\n\r\n`);
    res.pipe(client);
    res.on("error", () => client.destroy());
  });
  upstream.on("error", () => {
    if (settled) return client.destroy();
    // Before the target answered, ALB answers for it, as for any request.
    const status = timedOut ? 504 : 502;
    settle(status, "elb");
    sendAnswerOnSocket(client, albError(status));
  });
  upstream.end();
}

/**
 * Bytes both ways; either side erring closes both, either side closing ends the other. Every byte
 * either way is read from or written to the client's socket, so its inactivity timeout is ALB's
 * idle timeout for the connection: a WebSocket with traffic in either direction stays open.
 */
function pipeBoth(client: net.Socket, target: net.Socket, idleMs: number): void {
  const closeBoth = () => {
    client.destroy();
    target.destroy();
  };
  // The request's own timer (504 while waiting for the answer) is over.
  target.setTimeout(0);
  client.setTimeout(idleMs, closeBoth);
  for (const [from, to] of [[client, target], [target, client]] as const) {
    from.on("error", closeBoth);
    from.on("close", () => to.end());
    from.pipe(to);
  }
}
