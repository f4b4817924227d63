import { createServer, connect, isIP, BlockList, type Server, type AddressInfo, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import type { Logger } from "../../core/logger.js";
import { isLoopbackAddress, TASK_RELAY_ADDRESS } from "../../core/loopback.js";

/**
 * AWS_ENDPOINT_URL for task containers: a TCP relay on the Docker bridge gateway (an address the
 * host and its containers reach, not the network) to the Berth endpoint this agent talks to, so
 * that a task's SDK calls land on Berth whatever address Berth itself listens on. Bytes pass
 * through untouched (SigV4 signs the Host the client used). Connections from anywhere but the
 * bridge's subnet and the host itself are closed at once. To a Berth on this machine the relay
 * connects from TASK_RELAY_ADDRESS, so that Berth can tell a task's request from its user's. Hand-written: twenty lines of
 * net.connect and pipe, no library does less.
 */
export async function startApiRelay({ host, subnet, target, log }: { host: string; subnet: string; target: () => { host: string; port: number } | undefined; log: Logger }): Promise<{ port: number; close(): Promise<void> }> {
  const allowed = new BlockList();
  const [net, bits] = subnet.split("/");
  allowed.addSubnet(net!, Number(bits), "ipv4");
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4") allowed.addAddress(a.address, "ipv4");

  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.once("close", () => open.delete(client));
    const from = (client.remoteAddress ?? "").replace(/^::ffff:/, "");
    const to = target();
    if (!to || !allowed.check(from, "ipv4")) return void client.destroy();
    const upstream = connect(upstreamOptions(to));
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on("error", end);
    upstream.on("error", (err) => (log.debug({ err: err.message }, "API relay upstream failed"), end()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      open.forEach((s) => s.destroy());
    }),
  };
}

/**
 * To a Berth on an IPv4 loopback address (or `localhost`, taken as 127.0.0.1), from the task
 * relay's own loopback address. A Berth elsewhere sees this host's address and treats it as remote
 * anyway; one bound to ::1 cannot tell (IPv6 has one loopback address): docs/compatibility.md.
 */
function upstreamOptions(to: { host: string; port: number }): { host: string; port: number; localAddress?: string } {
  const host = to.host === "localhost" ? "127.0.0.1" : to.host;
  return isIP(host) === 4 && isLoopbackAddress(host) ? { host, port: to.port, localAddress: TASK_RELAY_ADDRESS } : to;
}
