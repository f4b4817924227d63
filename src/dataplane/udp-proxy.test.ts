import { after, test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { UpstreamPool } from "./http1/upstream-pool.js";
import { UdpListener } from "./udp-proxy.js";
import { TrafficCounter } from "./traffic-counters.js";
import { defaultTargetGroupAttributes, type LoadBalancerConfig, type TargetGroupConfig } from "./snapshot.js";
import type { ProxyContext } from "./http-proxy.js";
import { claimLoopbackBlock } from "../../test/loopback-blocks.js";

// Real datagrams on loopback: this process's own 127.<n>.0.0/24.
const block = `127.${await claimLoopbackBlock()}.0`; // a block no other test process holds (test/loopback-blocks.ts)
const sockets: dgram.Socket[] = [];
after(() => sockets.forEach((s) => s.close()));

async function echo(address: string, name: string): Promise<number> {
  const s = dgram.createSocket("udp4");
  s.on("message", (msg, from) => s.send(`${name}:${msg}`, from.port, from.address));
  await new Promise<void>((r) => s.bind(0, address, r));
  sockets.push(s);
  return s.address().port;
}

test("a UDP flow ends after the idle timeout; the next datagram from the same client starts a new flow", async () => {
  const ports = [await echo(`${block}.2`, "one"), await echo(`${block}.3`, "two")];
  const group: TargetGroupConfig = {
    TargetGroupArn: "tg", Protocol: "UDP", Port: 53, TargetType: "ip", Attributes: defaultTargetGroupAttributes,
    HealthCheck: { HealthCheckEnabled: false, HealthCheckProtocol: "TCP", HealthCheckPort: "traffic-port", HealthCheckPath: "/", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: "200" } },
    Targets: ports.map((port, i) => ({ Id: `${block}.${i + 2}`, Address: `${block}.${i + 2}`, Port: port, State: "registered" as const })),
  };
  const lb: LoadBalancerConfig = {
    LoadBalancerArn: "lb", Type: "network", Address: `${block}.1`, DNSName: "lb.elb.localhost",
    Listeners: [{ ListenerArn: "l", Port: 0, Protocol: "UDP", DefaultActions: [{ Type: "forward", TargetGroupArn: "tg" }], Rules: [] }],
  };
  const counters = new TrafficCounter();
  const ctx: ProxyContext = {
    targetGroup: (arn) => (arn === "tg" ? group : undefined),
    selection: { cursors: new Map(), isHealthy: () => true, outstanding: () => 0 },
    begin: () => undefined, end: () => undefined, counters, pool: new UpstreamPool(),
  };
  const listener = new UdpListener(ctx, () => ({ lb, listener: lb.Listeners[0]! }), lb.Address, 300);
  await listener.bind(lb.Address, 0);
  const port = listener.socket.address().port;
  const client = dgram.createSocket("udp4");
  sockets.push(client);
  await new Promise<void>((r) => client.bind(0, "127.0.0.1", r));
  const ask = (text: string) => new Promise<string>((resolve) => {
    client.once("message", (msg) => resolve(String(msg)));
    client.send(text, port, lb.Address);
  });
  const flows = () => counters.read(new Map([["lb", new Set(["tg"])]])).loadBalancers.lb!;

  const a = await ask("a");
  assert.equal(await ask("b"), `${a.split(":")[0]}:b`);
  assert.equal(flows().activeFlows, 1);
  // Idle past the timeout: the flow is gone, and the next datagram is a new flow (round robin: the other target).
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(flows().activeFlows, 0);
  const c = await ask("c");
  assert.notEqual(c.split(":")[0], a.split(":")[0]);
  assert.equal(flows().newFlows, 2);
  listener.close();
  assert.equal(flows().activeFlows, 0);
});
