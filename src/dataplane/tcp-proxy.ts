import net from "node:net";
import tls from "node:tls";
import { terminalAction } from "./rules/select-rule.js";
import { targetKey, tcpIdleMs, type ListenerConfig, type LoadBalancerConfig } from "./snapshot.js";
import { chooseTarget, chooseTargetGroup } from "./target-selection.js";
import type { ProxyContext } from "./http-proxy.js";
import type { FlowRegistry } from "./flow-registry.js";

/**
 * One connection on an NLB TCP listener: the listener's forward action picks a target group, the
 * group picks a target, and bytes flow both ways until either side closes, or neither sends
 * anything for the listener's idle timeout (tcp.idle_timeout.seconds). With no target, or a
 * target that refuses, the client's connection is reset, as NLB does. `open`: the listener's
 * open connections, kept while this one lasts (a changed idle timeout reaches them).
 */
export function handleConnection(ctx: ProxyContext, lb: LoadBalancerConfig, listener: ListenerConfig, client: net.Socket, flows?: FlowRegistry, open?: Set<net.Socket>): void {
  const action = terminalAction(listener.DefaultActions);
  const arn = action?.Type === "forward" ? chooseTargetGroup(action) : undefined;
  const group = arn === undefined ? undefined : ctx.targetGroup(arn);
  // source_ip stickiness: each client address keeps its target (IPv4-mapped forms as plain IPv4).
  const sticky = group?.Attributes["stickiness.enabled"] && group.Attributes["stickiness.type"] === "source_ip";
  const source = sticky ? (client.remoteAddress ?? "").replace(/^::ffff:/, "") : undefined;
  const target = group && chooseTarget(group, ctx.selection, undefined, source);
  if (!group || !target) {
    reset(client);
    return;
  }
  const key = targetKey(group.TargetGroupArn, target);
  const lbArn = lb.LoadBalancerArn;
  const groupArn = group.TargetGroupArn;
  ctx.begin(key);
  ctx.counters.flowOpened(lbArn, groupArn);
  // Half-closes pass through, as on NLB: a client that sends its request and then its FIN (`nc`,
  // `socket.end(data)`) still gets the answer the target writes after reading that FIN. The
  // listener's sockets come from a server without allowHalfOpen; Duplex documents that the flag
  // may be set on an existing stream until its 'end'.
  client.allowHalfOpen = true;
  const upstream = net.connect({ host: target.Address, port: target.Port, allowHalfOpen: true });
  // Connection termination at the end of a drain resets both sides, as NLB does.
  const forget = flows?.add(key, () => {
    upstream.destroy();
    if (!client.destroyed) reset(client);
  });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    forget?.();
    ctx.end(key);
    ctx.counters.flowClosed(lbArn, groupArn);
  };
  // ProcessedBytes: both directions, counted as the chunks pass.
  const count = (chunk: Buffer) => ctx.counters.bytes(lbArn, groupArn, chunk.length);
  client.on("data", count);
  upstream.on("data", count);
  upstream.on("error", () => (client.destroyed ? undefined : reset(client)));
  client.on("error", () => upstream.destroy());
  upstream.on("close", () => {
    end();
    client.destroySoon();
  });
  client.on("close", () => upstream.destroySoon());
  // The idle timeout: the client socket's timer restarts on every read and on every write, so
  // it counts silence both ways. NLB forgets an idle flow and answers whichever side sends next
  // with a reset; Berth resets both sides when the time is up (a socket it keeps open forever
  // would be a leak).
  client.setTimeout(tcpIdleMs(listener));
  client.on("timeout", () => {
    upstream.resetAndDestroy();
    reset(client);
  });
  if (open) {
    open.add(client);
    client.on("close", () => open.delete(client));
  }
  client.pipe(upstream);
  upstream.pipe(client);
}

/**
 * Resets the client's connection, as NLB does. A TLS listener's socket cannot send a reset
 * (resetAndDestroy throws on it, which would end the data plane's thread): it is closed instead.
 */
function reset(client: net.Socket): void {
  if (client instanceof tls.TLSSocket) client.destroy();
  else client.resetAndDestroy();
}
