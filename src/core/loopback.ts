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
 * Whether binding `host` keeps a server reachable from this machine only. Any host name but
 * `localhost` counts as reachable: what it resolves to can change.
 */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || isLoopbackAddress(host);
}
