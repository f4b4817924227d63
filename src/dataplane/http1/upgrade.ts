import net from "node:net";
import { albError } from "../alb-responses.js";
import type { Forward, ProxyContext } from "../http-proxy.js";
import { idleMs as idleMsOf, targetKey, type ListenerConfig, type LoadBalancerConfig } from "../snapshot.js";
import { stickyCookies } from "../stickiness.js";
import { forwardedRequestHead, setCookies, writeAnswer } from "./heads.js";
import { HTTPParser, newParser } from "./llhttp.js";
import { decorationOf } from "./response-headers.js";
import type { RequestHead } from "./request-head.js";

/**
 * One HTTP Upgrade request (WebSocket) on an ALB listener. ALB passes WebSockets through: the
 * request went through the listener's rules and target selection (stickiness included) like any
 * other; here it goes to the target on a connection of its own (an upgraded connection never
 * returns to a pool). The target's 101 comes back to the client, and from then on bytes flow both
 * ways until either side closes, or neither sends anything for the idle timeout. A target that
 * answers without switching protocols has its answer relayed, and the connection ends.
 * `rest`: what the client sent after the request's head (the first frames, already read).
 */
export function handleUpgrade(ctx: ProxyContext, lb: LoadBalancerConfig, listener: ListenerConfig, routed: Forward, head: RequestHead, client: net.Socket, rest: Buffer): void {
  const { group, target } = routed;
  const key = targetKey(group.TargetGroupArn, target);
  const started = performance.now();
  let settled = false;
  /** The target answered (`by` "target": 101 or its refusal), the load balancer did in its place (502/504), or the client left first. */
  const settle = (status: number, by: "target" | "elb" | "client-gone") => {
    if (settled) return;
    settled = true;
    ctx.end(key);
    if (by === "client-gone") return;
    if (by === "target") ctx.counters.targetResponse(lb.LoadBalancerArn, group.TargetGroupArn, status, (performance.now() - started) / 1000);
    else ctx.counters.elbResponse(lb.LoadBalancerArn, status);
  };
  ctx.begin(key);
  ctx.counters.request(lb.LoadBalancerArn, group.TargetGroupArn);
  client.on("error", () => client.destroy());

  const idleMs = idleMsOf(lb);
  const decoration = decorationOf(listener);
  const upstream = net.connect({ host: target.Address, port: target.Port, noDelay: true });
  let timedOut = false;
  upstream.setTimeout(idleMs, () => {
    timedOut = true;
    upstream.destroy();
  });
  let switched = false;
  let refused = false;
  const parser = newParser(HTTPParser.RESPONSE, {
    onHeadersComplete: (_maj, _min, raw, _method, _url, status, message, _upgrade) => {
      const headers = raw!;
      settle(status!, "target");
      if (status === 101) {
        switched = true;
        let text = `HTTP/1.1 101 ${message || "Switching Protocols"}\r\n`;
        for (let i = 0; i < headers.length; i += 2) if (!decoration?.replaced.has(headers[i]!.toLowerCase())) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
        if (decoration) text += decoration.lines;
        for (const cookie of routed.groupCookies ?? []) text += `Set-Cookie: ${cookie}\r\n`;
        for (const cookie of stickyCookies(group, key, setCookies(headers))) text += `Set-Cookie: ${cookie}\r\n`;
        client.write(`${text}\r\n`, "latin1");
        return 0;
      }
      // The target declined to switch: its answer as it is, the body delimited by the connection's end.
      refused = true;
      let text = `HTTP/1.1 ${status} ${message ?? ""}\r\n`;
      for (let i = 0; i < headers.length; i += 2) {
        const name = headers[i]!.toLowerCase();
        if (name !== "connection" && name !== "transfer-encoding" && name !== "keep-alive" && !decoration?.replaced.has(name)) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
      }
      if (decoration) text += decoration.lines;
      client.write(`${text}connection: close\r\n\r\n`, "latin1");
      return 0;
    },
    onBody: (chunk) => client.write(chunk),
    onMessageComplete: () => {
      if (refused) client.end();
    },
  });
  const onData = (data: Buffer) => {
    const result = parser.execute(data);
    if (typeof result !== "number") {
      upstream.destroy();
      return;
    }
    if (!switched) return;
    // The 101's head ends at `result`; what follows is the target's first frames.
    upstream.off("data", onData);
    upstream.pause();
    setImmediate(() => parser.close());
    if (result < data.length) client.write(data.subarray(result));
    pipeBoth(client, upstream, idleMs);
  };
  upstream.on("data", onData);
  upstream.on("error", () => undefined);
  upstream.on("close", () => {
    if (switched) return;
    if (refused) return client.end();
    // Before the target answered, ALB answers for it, as for any request.
    const status = timedOut ? 504 : 502;
    settle(status, "elb");
    if (!client.destroyed) writeAnswer(client, albError(status), true, false, decoration);
    client.end();
    setImmediate(() => parser.close());
  });
  client.on("close", () => {
    if (!switched) upstream.destroy();
    settle(0, "client-gone");
  });
  upstream.write(forwardedRequestHead(head, routed.url, routed.host, listener, false, head.header("upgrade") ?? "websocket"), "latin1");
  if (rest.length > 0) upstream.write(rest);
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
  client.resume();
}
