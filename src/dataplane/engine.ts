import net from "node:net";
import tls from "node:tls";
import type { TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { HealthMonitor } from "./health/health-monitor.js";
import { healthCheckPort } from "./health/health-check.js";
import type { HealthCheckConfig, DataPlaneSnapshot, ListenerConfig, LoadBalancerConfig, TargetConfig, TargetGroupConfig, TargetHealthMemory } from "./snapshot.js";
import { idleMs, tcpIdleMs, targetKey } from "./snapshot.js";
import type { ProxyContext } from "./http-proxy.js";
import { handleConnection } from "./tcp-proxy.js";
import { TrafficCounter, type TrafficCounters } from "./traffic-counters.js";
import { UdpListener } from "./udp-proxy.js";
import { FlowRegistry } from "./flow-registry.js";
import { DrainTermination } from "./drain-termination.js";
import { contextFor, contextOptions, serverTlsOptions } from "./tls-options.js";
import { frontAddress, frontRoutes, noSuchLoadBalancer, requestedName, secureFrontRoutes, secureRouteFor, type FrontRoute } from "./localhost-front.js";
import { createHttp1Server, type Http1Server } from "./http1/server.js";
import { UpstreamPool } from "./http1/upstream-pool.js";

/** DescribeTargetHealth's answer for one target group, as the data plane sees it now. */
export interface TargetGroupHealth {
  readonly TargetGroupArn: string;
  readonly TargetHealthDescriptions: TargetHealthDescription[];
  /** What the API keeps of each checked target's health for a restart (TargetConfig.Health), by `Id|Port`. */
  readonly Memory?: Record<string, TargetHealthMemory>;
}


/** What apply() could not do (see localhost-front.ts): the rest of the snapshot is served all the same. */
export interface ApplyReport {
  /** Localhost front ports (127.0.0.1:<port>) something else holds, with the reason: skipped until the next apply. */
  readonly frontsSkipped: readonly string[];
  /**
   * Listeners whose address and port could not be bound (another program holds them): they serve
   * nothing until an apply binds them. Each with its load balancer and why, for the API to report.
   */
  readonly listenersUnbound?: readonly UnboundListener[];
}

export interface UnboundListener {
  readonly LoadBalancerArn: string;
  readonly ListenerArn: string;
  /** `address:port (PROTOCOL): the error`, e.g. EADDRINUSE. */
  readonly reason: string;
}

interface OpenListener {
  /** The stream side (every protocol but UDP). */
  readonly server?: net.Server;
  /** HTTP and HTTPS listeners: the server with its connections (graceful close). */
  readonly http1?: Http1Server;
  /** The datagram side (UDP and TCP_UDP). */
  readonly udp?: UdpListener;
  /** Swapped by apply(); every new request reads it, so in-flight requests keep their config. */
  current: { lb: LoadBalancerConfig; listener: ListenerConfig };
  /** NLB TCP and TLS listeners: their open client connections, which take a changed idle timeout. */
  readonly tcpFlows: Set<net.Socket>;
}

/**
 * The data plane itself: listeners, proxying, health checks, for one snapshot at a time. It runs
 * inside the data plane's worker thread (see data-plane.ts); it never touches the API's state.
 */
export class DataPlaneEngine {
  private snapshot: DataPlaneSnapshot = { loadBalancers: [], targetGroups: [] };
  private groups = new Map<string, TargetGroupConfig>();
  private inUse = new Set<string>();
  private readonly listeners = new Map<string, OpenListener>();
  /** The localhost front: one server per HTTP listener port, routing by Host through `routes`. */
  private readonly fronts = new Map<number, Http1Server>();
  private routes = new Map<number, Map<string, FrontRoute>>();
  /** HTTPS fronts: one TLS server per HTTPS listener port, routing by SNI through `secureRoutes`. */
  private readonly secureFronts = new Map<number, Http1Server>();
  private secureRoutes = new Map<number, FrontRoute[]>();
  private readonly health = new HealthMonitor();
  private readonly outstanding = new Map<string, number>();
  private readonly counter = new TrafficCounter();
  /** NLB connections and flows per target, closed at the end of a drain when the group says so. */
  private readonly flows = new FlowRegistry();
  private readonly pool = new UpstreamPool();
  private readonly drainTermination = new DrainTermination(this.flows, this.pool);
  private readonly ctx: ProxyContext;

  constructor() {
    this.ctx = {
      pool: this.pool,
      targetGroup: (arn) => (this.inUse.has(arn) ? this.groups.get(arn) : undefined),
      selection: {
        cursors: new Map(),
        isHealthy: (key) => this.health.state(key)?.state === "healthy" || this.healthDisabled(key),
        healthVersion: () => this.health.version,
        healthySince: (key) => this.health.healthySince(key),
        credits: new Map(),
        outstanding: (key) => this.outstanding.get(key) ?? 0,
      },
      begin: (key) => this.outstanding.set(key, (this.outstanding.get(key) ?? 0) + 1),
      end: (key) => this.outstanding.set(key, Math.max(0, (this.outstanding.get(key) ?? 1) - 1)),
      counters: this.counter,
    };
  }

  /**
   * Serves `snapshot` from now on. New requests see it at once; requests in flight finish with the
   * configuration they started with. Listeners that appear are opened, those that vanish are
   * closed (their open connections finish their current request). A listener whose address and
   * port cannot be bound is reported (listenersUnbound) and the rest served; the next apply tries
   * it again. So is a localhost front port (a convenience; the load balancer's own address still serves).
   */
  async apply(snapshot: DataPlaneSnapshot): Promise<ApplyReport> {
    this.snapshot = snapshot;
    this.groups = new Map(snapshot.targetGroups.map((g) => [g.TargetGroupArn, g]));
    this.inUse = referencedTargetGroups(snapshot);
    this.health.update(this.checksWanted());
    this.drainTermination.update(snapshot);
    // Slow start credits of targets that are gone would only accumulate.
    const live = new Set(snapshot.targetGroups.flatMap((g) => g.Targets.map((t) => targetKey(g.TargetGroupArn, t))));
    for (const key of this.ctx.selection.credits?.keys() ?? []) if (!live.has(key)) this.ctx.selection.credits!.delete(key);

    const wanted = new Map<string, { lb: LoadBalancerConfig; listener: ListenerConfig }>();
    for (const lb of snapshot.loadBalancers) {
      for (const listener of lb.Listeners) wanted.set(`${lb.Address}:${listener.Port}:${listener.Protocol}`, { lb, listener });
    }
    for (const [key, open] of this.listeners) {
      if (wanted.has(key)) continue;
      this.listeners.delete(key);
      closeListener(open);
    }
    const unbound: UnboundListener[] = [];
    await Promise.all(
      [...wanted].map(async ([key, current]) => {
        const open = this.listeners.get(key);
        if (open) {
          const tlsChanged = open.current.listener.Tls !== current.listener.Tls;
          const idleChanged = open.current.lb.IdleTimeoutSeconds !== current.lb.IdleTimeoutSeconds;
          const tcpIdleChanged = open.current.listener.TcpIdleTimeoutSeconds !== current.listener.TcpIdleTimeoutSeconds;
          open.current = current;
          // ALB's idle timeout applies to the connections already open, not only to new ones.
          if (idleChanged) open.http1?.setIdleTimeout(idleMs(current.lb));
          // So does a TCP listener's (Berth's choice: AWS does not say), counted afresh from now.
          if (tcpIdleChanged) for (const socket of open.tcpFlows) socket.setTimeout(tcpIdleMs(current.listener));
          // New connections get the new default certificate; SNI reads `current` by itself.
          if (tlsChanged && open.server instanceof tls.Server) open.server.setSecureContext(contextOptions(current.listener.Tls));
          return;
        }
        try {
          this.listeners.set(key, await this.openListener(current));
        } catch (err) {
          const { lb, listener } = current;
          unbound.push({ LoadBalancerArn: lb.LoadBalancerArn, ListenerArn: listener.ListenerArn, reason: `${lb.Address}:${listener.Port} (${listener.Protocol}): ${(err as Error).message}` });
        }
      }),
    );
    const routes = frontRoutes(snapshot);
    const frontsSkipped = [...await this.applyFronts(routes), ...await this.applySecureFronts(secureFrontRoutes(snapshot, new Set(routes.keys())))].sort();
    return { frontsSkipped, listenersUnbound: unbound.sort((a, b) => a.reason.localeCompare(b.reason)) };
  }

  /** Opens a front for each new HTTP listener port, closes those no listener uses; routes swap at once. */
  private async applyFronts(routes: Map<number, Map<string, FrontRoute>>): Promise<string[]> {
    this.routes = routes;
    for (const [port, front] of this.fronts) {
      if (routes.has(port)) continue;
      this.fronts.delete(port);
      front.closeGracefully();
    }
    const skipped: string[] = [];
    await Promise.all([...routes.keys()].filter((port) => !this.fronts.has(port)).map(async (port) => {
      const front = createHttp1Server(this.ctx, (head) => {
        const name = requestedName(head?.host);
        return this.routes.get(port)?.get(name) ?? noSuchLoadBalancer(name, port);
      }, () => 60_000); // one front connection may carry requests for several load balancers: ALB's default idle timeout
      try {
        await listen(front.server, frontAddress, port);
        this.fronts.set(port, front);
      } catch (err) {
        skipped.push(`${frontAddress}:${port}: ${(err as Error).message}`);
      }
    }));
    return skipped.sort();
  }

  /**
   * Opens an HTTPS front for each new HTTPS listener port (not used by an HTTP listener), closes
   * the others. The handshake picks the listener by SNI (secureRouteFor) and presents its
   * certificate for that name; each request then goes to the listener its connection's SNI names.
   */
  private async applySecureFronts(routes: Map<number, FrontRoute[]>): Promise<string[]> {
    this.secureRoutes = routes;
    for (const [port, front] of this.secureFronts) {
      if (routes.has(port)) continue;
      this.secureFronts.delete(port);
      front.closeGracefully();
    }
    const skipped: string[] = [];
    await Promise.all([...routes.keys()].filter((port) => !this.secureFronts.has(port)).map(async (port) => {
      const front = createHttp1Server(this.ctx, (head, socket) =>
        secureRouteFor(this.secureRoutes.get(port), (socket as tls.TLSSocket).servername || undefined) ?? noSuchLoadBalancer(requestedName(head?.host), port),
      () => 60_000, {
        SNICallback: (servername, callback) => {
          const route = secureRouteFor(this.secureRoutes.get(port), servername);
          if (!route) return callback(new Error(`no HTTPS listener on port ${port} for ${servername}`));
          callback(null, contextFor(route.listener.Tls!, servername));
        },
      });
      // A handshake for a name no listener has ends that connection only.
      front.server.on("tlsClientError", (_err, socket) => socket.destroy());
      try {
        await listen(front.server, frontAddress, port);
        this.secureFronts.set(port, front);
      } catch (err) {
        skipped.push(`${frontAddress}:${port}: ${(err as Error).message}`);
      }
    }));
    return skipped;
  }

  targetHealth(now = Date.now()): TargetGroupHealth[] {
    return this.snapshot.targetGroups.map((group) => ({
      TargetGroupArn: group.TargetGroupArn,
      TargetHealthDescriptions: group.Targets.filter((t) => !drained(group, t, now)).map((t) => this.describe(group, t)),
      Memory: Object.fromEntries(group.Targets.flatMap((t) => {
        const memory = t.State === "registered" ? this.health.memory(targetKey(group.TargetGroupArn, t)) : undefined;
        return memory ? [[`${t.Id}|${t.Port}`, memory]] : [];
      })),
    }));
  }

  /** The traffic counters since start; every load balancer of the snapshot is there with the groups it forwards to. */
  trafficCounters(): TrafficCounters {
    return this.counter.read(new Map(this.snapshot.loadBalancers.map((lb) => [lb.LoadBalancerArn, forwardedGroups(lb)])));
  }

  async close(): Promise<void> {
    this.health.close();
    this.drainTermination.close();
    for (const l of this.listeners.values()) l.udp?.close();
    const http1 = [...[...this.listeners.values()].flatMap((l) => (l.http1 ? [l.http1] : [])), ...this.fronts.values(), ...this.secureFronts.values()];
    const streams = [...this.listeners.values()].flatMap((l) => (l.server && !l.http1 ? [l.server] : []));
    await Promise.all([...http1.map((s) => s.close()), ...streams.map((server) => new Promise((resolve) => server.close(resolve)))]);
    this.listeners.clear();
    this.fronts.clear();
    this.secureFronts.clear();
    this.ctx.pool.close();
  }

  private describe(group: TargetGroupConfig, target: TargetConfig): TargetHealthDescription {
    const base = { Target: { Id: target.Id, Port: target.Port }, HealthCheckPort: String(healthCheckPort(group.HealthCheck, target)) };
    if (target.State === "draining") {
      return { ...base, TargetHealth: { State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" } };
    }
    if (!this.inUse.has(group.TargetGroupArn)) {
      return { ...base, TargetHealth: { State: "unused", Reason: "Target.NotInUse", Description: "Target group is not configured to receive traffic from the load balancer" } };
    }
    if (!group.HealthCheck.HealthCheckEnabled) {
      return { ...base, TargetHealth: { State: "unavailable", Reason: "Target.HealthCheckDisabled", Description: "Health checks are disabled" } };
    }
    const s = this.health.state(targetKey(group.TargetGroupArn, target));
    const state = s?.state ?? "initial";
    return { ...base, TargetHealth: { State: state, ...(s?.reason && { Reason: s.reason as never }), ...(s?.description && { Description: s.description }) } };
  }

  private healthDisabled(key: string): boolean {
    const arn = key.slice(0, key.indexOf("|"));
    return this.groups.get(arn)?.HealthCheck.HealthCheckEnabled === false;
  }

  /** Health checks run for registered targets of groups a listener uses, as on ALB. */
  private checksWanted(): Map<string, { config: HealthCheckConfig; target: TargetConfig }> {
    const wanted = new Map<string, { config: HealthCheckConfig; target: TargetConfig }>();
    for (const group of this.snapshot.targetGroups) {
      if (!this.inUse.has(group.TargetGroupArn) || !group.HealthCheck.HealthCheckEnabled) continue;
      for (const target of group.Targets) if (target.State === "registered") wanted.set(targetKey(group.TargetGroupArn, target), { config: group.HealthCheck, target });
    }
    return wanted;
  }

  private openListener(current: OpenListener["current"]): Promise<OpenListener> {
    const entry: Pick<OpenListener, "current" | "tcpFlows"> = { current, tcpFlows: new Set() };
    const secure = () => serverTlsOptions(() => entry.current.listener.Tls);
    // Every request reads `entry.current`: a swapped snapshot applies from the next request on.
    const http1 = (tlsOptions?: tls.TlsOptions) => createHttp1Server(this.ctx, () => entry.current, () => idleMs(entry.current.lb), tlsOptions);
    const onConnection = (socket: net.Socket) => handleConnection(this.ctx, entry.current.lb, entry.current.listener, socket, this.flows, entry.tcpFlows);
    const { Address: address } = current.lb;
    const { Port: port, Protocol: protocol } = current.listener;
    if (protocol === "UDP" || protocol === "TCP_UDP") return this.openDatagramListener(entry, protocol === "TCP_UDP" ? net.createServer(onConnection) : undefined);
    let server: net.Server;
    let front: Http1Server | undefined;
    switch (protocol) {
      case "TCP":
        server = net.createServer(onConnection);
        break;
      case "TLS":
        server = tls.createServer(secure(), onConnection);
        break;
      case "HTTPS":
        front = http1(secure());
        server = front.server;
        break;
      case "HTTP":
        front = http1();
        server = front.server;
        break;
    }
    return listen(server, address, port).then(() => Object.assign(entry, { server, ...(front && { http1: front }) }));
  }

  /** A UDP listener, with the TCP server of a TCP_UDP listener on the same port: both bound, or neither. */
  private async openDatagramListener(entry: Pick<OpenListener, "current" | "tcpFlows">, server: net.Server | undefined): Promise<OpenListener> {
    const { Address: address } = entry.current.lb;
    const { Port: port } = entry.current.listener;
    const udp = new UdpListener(this.ctx, () => entry.current, address, undefined, this.flows);
    try {
      await udp.bind(address, port);
      if (server) await listen(server, address, port);
    } catch (err) {
      udp.close();
      throw err;
    }
    return Object.assign(entry, { udp, ...(server && { server }) });
  }
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A draining target disappears once its deregistration delay has passed. */
function drained(group: TargetGroupConfig, target: TargetConfig, now: number): boolean {
  if (target.State !== "draining") return false;
  return now - (target.DeregisteredAt ?? 0) >= group.Attributes["deregistration_delay.timeout_seconds"] * 1000;
}

/** Target groups some listener forwards to: only those are "in use" and health checked. */
function referencedTargetGroups(snapshot: DataPlaneSnapshot): Set<string> {
  return new Set(snapshot.loadBalancers.flatMap((lb) => [...forwardedGroups(lb)]));
}

/** The target groups one load balancer's listeners forward to. */
function forwardedGroups(lb: LoadBalancerConfig): Set<string> {
  const arns = new Set<string>();
  for (const listener of lb.Listeners) {
    for (const action of [...listener.DefaultActions, ...listener.Rules.flatMap((r) => r.Actions)]) {
      if (action.TargetGroupArn) arns.add(action.TargetGroupArn);
      for (const g of action.ForwardConfig?.TargetGroups ?? []) if (g.TargetGroupArn) arns.add(g.TargetGroupArn);
    }
  }
  return arns;
}

/** Stops a listener: UDP flows end now (there is nothing to drain), streams as closeGracefully says. */
function closeListener(open: OpenListener): void {
  open.udp?.close();
  // HTTP: idle keep-alive connections close now, busy ones after their response.
  if (open.http1) open.http1.closeGracefully();
  else open.server?.close();
}
