import { execFile } from "node:child_process";
import { BlockList } from "node:net";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What `docker network inspect bridge` says that the gateway is read from. */
export interface BridgeNetwork {
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
  Options?: Record<string, string>;
}

/**
 * The default bridge's gateway address and subnet, or undefined when it has none. Docker names
 * the gateway in the network's IPAM config, except when the bridge interface already existed as
 * dockerd started (a restarted daemon, a bridge made by the system): then dockerd records only the
 * subnet (seen with Debian 12's docker.io 20.10 on a fresh machine). The gateway is then the
 * address the bridge interface itself holds in that subnet (its name is in the network's options;
 * docker0 unless configured otherwise).
 */
export async function bridgeGateway(network: BridgeNetwork, addressesOf: (name: string) => Promise<string[]> = interfaceAddresses): Promise<{ gateway: string; subnet: string } | undefined> {
  const config = network.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(":"));
  if (!config?.Subnet) return undefined;
  if (config.Gateway) return { gateway: config.Gateway, subnet: config.Subnet };
  const [base, prefix] = config.Subnet.split("/");
  const subnet = new BlockList();
  subnet.addSubnet(base!, Number(prefix), "ipv4");
  const held = (await addressesOf(network.Options?.["com.docker.network.bridge.name"] ?? "docker0")).find((a) => subnet.check(a, "ipv4"));
  return held ? { gateway: held, subnet: config.Subnet } : undefined;
}

/**
 * The IPv4 addresses an interface holds, whatever its state, from iproute2 (`ip -j`). Not
 * os.networkInterfaces(): libuv lists only interfaces that are up and running, and a bridge with
 * no container attached has no carrier. None when there is no such interface.
 */
export async function interfaceAddresses(name: string): Promise<string[]> {
  try {
    const { stdout } = await run("ip", ["-4", "-j", "addr", "show", "dev", name]);
    const links = JSON.parse(stdout) as Array<{ addr_info?: Array<{ local?: string }> }>;
    return links.flatMap((l) => (l.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : [])));
  } catch {
    return [];
  }
}
