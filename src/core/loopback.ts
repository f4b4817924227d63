import { BlockList, isIP } from "node:net";

// 127.0.0.0/8 and ::1. BlockList also matches IPv4-mapped IPv6 forms (::ffff:127.0.0.1) against
// the IPv4 rule, which is how a dual-stack socket reports an IPv4 loopback peer.
const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** Whether a peer address (req.socket.remoteAddress) is this machine's loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  const family = address === undefined ? 0 : isIP(address);
  if (family === 0) return false;
  return loopback.check(address!, family === 4 ? "ipv4" : "ipv6");
}

/**
 * The loopback address the task containers' API relay (src/agent/task-endpoint/api-relay.ts)
 * connects to Berth from. Its connections carry task containers' requests, not this machine's
 * user's, so Berth's own endpoints, which trust this machine in open mode, refuse them
 * (isThisMachine). Chosen outside every default address block (127.0.0.1, instances 127.0.1.0/24,
 * awsvpc 127.10.0.0/16, load balancers 127.100.0.0/16); config.ts keeps configured blocks off it.
 */
export const TASK_RELAY_ADDRESS = "127.0.0.254";

/** Whether a peer is this machine's own user: a loopback address other than the task relay's. */
export function isThisMachine(address: string | undefined): boolean {
  return isLoopbackAddress(address) && address!.replace(/^::ffff:/i, "") !== TASK_RELAY_ADDRESS;
}

/**
 * Whether binding `host` keeps a server reachable from this machine only. Any host name but
 * `localhost` counts as reachable: what it resolves to can change.
 */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || isLoopbackAddress(host);
}
