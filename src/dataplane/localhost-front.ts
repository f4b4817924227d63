import type { LbAnswer } from "./alb-responses.js";
import { hostWithoutPort } from "./rules/request-facts.js";
import type { DataPlaneSnapshot, ListenerConfig, LoadBalancerConfig } from "./snapshot.js";
import { coversName } from "./tls-options.js";

/**
 * The localhost front: curl, browsers and systemd-resolved resolve every `*.localhost` name to
 * 127.0.0.1 (and ::1) by themselves, not to the load balancer's own address. So for every port an
 * HTTP listener uses, the data plane also listens on 127.0.0.1:<port> and hands each request to the
 * listener whose load balancer's DNSName is the request's Host; `curl http://<DNSName>/` then works
 * with no setup, and several load balancers share 127.0.0.1:80 as they share nothing else.
 * TCP listeners (NLB) carry no Host to route by: they are reached on their own address only.
 */
export interface FrontRoute {
  readonly lb: LoadBalancerConfig;
  readonly listener: ListenerConfig;
}

/** The front's loopback address. */
export const frontAddress = "127.0.0.1";

/** Every HTTP listener by port and DNSName; the front's ports are this map's ports. */
export function frontRoutes(snapshot: DataPlaneSnapshot): Map<number, Map<string, FrontRoute>> {
  const routes = new Map<number, Map<string, FrontRoute>>();
  for (const lb of snapshot.loadBalancers) {
    for (const listener of lb.Listeners) {
      if (listener.Protocol !== "HTTP") continue;
      const byHost = routes.get(listener.Port) ?? new Map<string, FrontRoute>();
      byHost.set(lb.DNSName.toLowerCase(), { lb, listener });
      routes.set(listener.Port, byHost);
    }
  }
  return routes;
}

/**
 * HTTPS listeners on the front, by port (ports no HTTP listener uses: one front per port). A TLS
 * client says which name it wants (SNI) before any Host is seen, so the front routes HTTPS by SNI:
 * see secureRouteFor.
 */
export function secureFrontRoutes(snapshot: DataPlaneSnapshot, httpPorts: ReadonlySet<number>): Map<number, FrontRoute[]> {
  const routes = new Map<number, FrontRoute[]>();
  for (const lb of snapshot.loadBalancers) {
    for (const listener of lb.Listeners) {
      if (listener.Protocol !== "HTTPS" || !listener.Tls || httpPorts.has(listener.Port)) continue;
      routes.set(listener.Port, [...(routes.get(listener.Port) ?? []), { lb, listener }]);
    }
  }
  return routes;
}

/**
 * The HTTPS listener an SNI name reaches on the front: the load balancer whose DNSName it is,
 * else the first (oldest) whose certificates cover it, as when the user's own domain resolves to
 * 127.0.0.1 (`curl --resolve shop.example.com:443:127.0.0.1`). Undefined: the handshake fails.
 */
export function secureRouteFor(routes: readonly FrontRoute[] | undefined, servername: string | undefined): FrontRoute | undefined {
  if (!routes || !servername) return undefined;
  const name = servername.toLowerCase().replace(/\.$/, "");
  return routes.find((r) => r.lb.DNSName.toLowerCase() === name) ?? routes.find((r) => coversName(r.listener.Tls!, name));
}

/** The name a Host header asks for: without its port, lower case, without a final dot (DNS names are case-insensitive). */
export function requestedName(hostHeader: string | undefined): string {
  return hostWithoutPort(hostHeader).toLowerCase().replace(/\.$/, "");
}

/**
 * The answer for a Host that names no load balancer on this port. AWS has no such case (the name
 * would not resolve), so this is Berth's own: a 404 in ALB's style, saying what to do.
 */
export function noSuchLoadBalancer(name: string, port: number): LbAnswer {
  const title = "404 Not Found";
  const text = name === ""
    ? `No load balancer: this request has no Host header. Berth routes requests to ${frontAddress}:${port} by Host: use the load balancer's DNSName.`
    : `No load balancer named ${escapeHtml(name)} has an HTTP listener on port ${port}. Berth routes requests to ${frontAddress}:${port} by Host: use the load balancer's DNSName (aws elbv2 describe-load-balancers).`;
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<p>${text}</p>\r\n</body>\r\n</html>\r\n`;
  return { status: 404, headers: { server: "awselb/2.0", "content-type": "text/html", "content-length": Buffer.byteLength(body) }, body };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
