import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import { terminalAction } from "./rules/select-rule.js";
import { targetKey, type ListenerConfig, type LoadBalancerConfig } from "./snapshot.js";
import { chooseTarget, chooseTargetGroup } from "./target-selection.js";
import type { ProxyContext } from "./http-proxy.js";
import { FlowRegistry } from "./flow-registry.js";

/** NLB's idle timeout for UDP flows: a flow with no datagram either way for this long is forgotten. */
export const UDP_IDLE_TIMEOUT_MS = 120_000;

interface Flow {
  readonly upstream: dgram.Socket;
  readonly key: string;
  readonly groupArn: string;
  timer: NodeJS.Timeout;
  /** Forgets the flow in the registry. */
  forget: () => void;
  /** Datagrams that arrived before the flow's socket finished connecting, in order. */
  pending: Buffer[] | undefined;
}

/**
 * An NLB UDP listener (UDP, or the UDP half of TCP_UDP). UDP has no connections, so NLB keeps
 * flows: datagrams with the same source address and port (the rest of the 5-tuple is the
 * listener's) go to the same target until the flow has been idle for the idle timeout. Each flow
 * has its own socket towards the target, so the target's replies can be told apart and sent back
 * to the client from the listener's address and port, as the client expects. A datagram with no
 * target to go to is dropped, as NLB does.
 */
export class UdpListener {
  private readonly flows = new Map<string, Flow>();
  readonly socket: dgram.Socket;

  constructor(
    private readonly ctx: ProxyContext,
    /** Read per new flow, so a configuration change applies to new flows and never cuts a live one. */
    private readonly current: () => { lb: LoadBalancerConfig; listener: ListenerConfig },
    address: string,
    private readonly idleMs = UDP_IDLE_TIMEOUT_MS,
    /** Where flows are recorded, so a deregistered target's can be closed when its drain ends. */
    private readonly registry = new FlowRegistry(),
  ) {
    this.socket = dgram.createSocket(isIPv6(address) ? "udp6" : "udp4");
    this.socket.on("message", (msg, rinfo) => this.onDatagram(msg, rinfo));
    // A send error (the client went away) concerns one datagram, never the listener.
    this.socket.on("error", () => undefined);
  }

  bind(address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once("error", reject);
      this.socket.bind({ address, port, exclusive: true }, () => {
        this.socket.off("error", reject);
        resolve();
      });
    });
  }

  close(): void {
    for (const id of [...this.flows.keys()]) this.endFlow(id);
    this.socket.close();
  }

  private onDatagram(msg: Buffer, client: dgram.RemoteInfo): void {
    const id = `${client.address}|${client.port}`;
    const flow = this.flows.get(id) ?? this.openFlow(id, client);
    if (!flow) return;
    const { lb } = this.current();
    this.ctx.counters.bytes(lb.LoadBalancerArn, flow.groupArn, msg.length);
    flow.timer.refresh();
    if (flow.pending) flow.pending.push(msg);
    else flow.upstream.send(msg);
  }

  private openFlow(id: string, client: dgram.RemoteInfo): Flow | undefined {
    const { lb, listener } = this.current();
    const action = terminalAction(listener.DefaultActions);
    const arn = action?.Type === "forward" ? chooseTargetGroup(action) : undefined;
    const group = arn === undefined ? undefined : this.ctx.targetGroup(arn);
    const sticky = group?.Attributes["stickiness.enabled"] && group.Attributes["stickiness.type"] === "source_ip";
    const target = group && chooseTarget(group, this.ctx.selection, undefined, sticky ? client.address.replace(/^::ffff:/, "") : undefined);
    if (!group || !target) return undefined;
    const upstream = dgram.createSocket(isIPv6(target.Address) ? "udp6" : "udp4");
    const key = targetKey(group.TargetGroupArn, target);
    const flow: Flow = { upstream, key, groupArn: group.TargetGroupArn, timer: setTimeout(() => this.endFlow(id), this.idleMs), forget: () => undefined, pending: [] };
    flow.timer.unref();
    // Connected: only the target's datagrams arrive here, and send() needs no address.
    upstream.connect(target.Port, target.Address, () => {
      if (this.flows.get(id) !== flow) return; // ended (listener closed) while connecting
      const queued = flow.pending ?? [];
      flow.pending = undefined;
      for (const msg of queued) upstream.send(msg);
    });
    upstream.on("message", (reply) => {
      flow.timer.refresh();
      this.ctx.counters.bytes(lb.LoadBalancerArn, flow.groupArn, reply.length);
      this.socket.send(reply, client.port, client.address);
    });
    // ICMP unreachable from the target and the like: the flow stays; NLB does not tell the client either.
    upstream.on("error", () => undefined);
    this.flows.set(id, flow);
    flow.forget = this.registry.add(key, () => this.endFlow(id));
    this.ctx.begin(flow.key);
    this.ctx.counters.flowOpened(lb.LoadBalancerArn, flow.groupArn);
    return flow;
  }

  private endFlow(id: string): void {
    const flow = this.flows.get(id);
    if (!flow) return;
    this.flows.delete(id);
    clearTimeout(flow.timer);
    flow.forget();
    flow.upstream.close();
    this.ctx.end(flow.key);
    this.ctx.counters.flowClosed(this.current().lb.LoadBalancerArn, flow.groupArn);
  }
}
