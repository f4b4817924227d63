import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import { startDataPlane, type DataPlane } from "./data-plane.js";
import { defaultTargetGroupAttributes, type DataPlaneSnapshot, type TargetConfig, type TargetGroupConfig } from "./snapshot.js";
import { claimLoopbackBlock } from "../../test/loopback-blocks.js";

// Real datagrams and connections on loopback: this process's own 127.<n>.0.0/24.
const block = `127.${await claimLoopbackBlock()}.0`; // a block no other test process holds (test/loopback-blocks.ts)
let nextHost = 1;
const newAddress = () => `${block}.${nextHost++}`;
const PORT = 30000 + (process.pid % 10000);

let plane: DataPlane;
const closers: Array<() => void> = [];
before(() => {
  plane = startDataPlane();
});
after(async () => {
  await plane.close();
  for (const close of closers) close();
});

/** A UDP echo and a TCP echo (which keeps its connections open) answering "name:data", on their own address. */
async function echo(name: string): Promise<TargetConfig> {
  const address = newAddress();
  const udp = dgram.createSocket("udp4");
  udp.on("message", (msg, from) => udp.send(`${name}:${msg}`, from.port, from.address));
  await new Promise<void>((r) => udp.bind(0, address, r));
  const port = udp.address().port;
  const tcp = net.createServer((s) => s.on("error", () => undefined).on("data", (d) => s.write(`${name}:${d}`)));
  await new Promise<void>((r) => tcp.listen(port, address, r));
  closers.push(() => udp.close(), () => tcp.close());
  return { Id: address, Address: address, Port: port, State: "registered" };
}

function nlb(address: string, protocol: "UDP" | "TCP", group: TargetGroupConfig): DataPlaneSnapshot {
  return {
    loadBalancers: [{
      LoadBalancerArn: `lb-${address}`, Type: "network", Address: address, DNSName: `lb-${address.replaceAll(".", "-")}.elb.localhost`,
      Listeners: [{ ListenerArn: `l-${address}`, Port: PORT, Protocol: protocol, DefaultActions: [{ Type: "forward", TargetGroupArn: group.TargetGroupArn }], Rules: [] }],
    }],
    targetGroups: [group],
  };
}

function group(arn: string, protocol: "UDP" | "TCP", targets: TargetConfig[], termination: boolean): TargetGroupConfig {
  return {
    TargetGroupArn: arn, Protocol: protocol, Port: 53, TargetType: "ip", Targets: targets,
    Attributes: { ...defaultTargetGroupAttributes, "deregistration_delay.timeout_seconds": 0.3, "deregistration_delay.connection_termination.enabled": termination },
    // Checks off: every registered target takes flows at once.
    HealthCheck: { HealthCheckEnabled: false, HealthCheckProtocol: "TCP", HealthCheckPort: "traffic-port", HealthCheckPath: "/", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: "200" } },
  };
}

/** One client socket (one flow): sends a datagram and returns the reply. */
async function udpClient(lb: string): Promise<(text: string) => Promise<string>> {
  const socket = dgram.createSocket("udp4");
  closers.push(() => socket.close());
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return (text) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${text}`)), 5000);
    socket.once("message", (msg) => (clearTimeout(timer), resolve(String(msg))));
    socket.send(text, PORT, lb);
  });
}

const draining = (g: TargetGroupConfig, id: string): TargetGroupConfig => ({
  ...g, Targets: g.Targets.map((t) => (t.Id === id ? { ...t, State: "draining" as const, DeregisteredAt: Date.now() } : t)),
});

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const drainOver = async (arn: string) =>
  until("the drain to end", async () => ((await plane.targetHealth()).find((g) => g.TargetGroupArn === arn)!.TargetHealthDescriptions.length === 1 ? true : undefined));

test("connection termination on: a deregistered target's UDP flow is closed when its drain ends, and the client's next datagram goes to a registered target", async () => {
  const lb = newAddress();
  const g = group("tg-udp-term", "UDP", [await echo("a"), await echo("b")], true);
  await plane.apply(nlb(lb, "UDP", g));
  const ask = await udpClient(lb);
  const first = (await ask("1")).split(":")[0]!;
  const kept = g.Targets[first === "a" ? 0 : 1]!;
  // While the target drains its flow is still forwarded.
  await plane.apply(nlb(lb, "UDP", draining(g, kept.Id)));
  assert.equal(await ask("2"), `${first}:2`);
  await drainOver(g.TargetGroupArn);
  const other = first === "a" ? "b" : "a";
  await until("the flow to be closed", async () => ((await ask("3")) === `${other}:3` ? true : undefined));
  assert.equal(await ask("4"), `${other}:4`, "the new flow stays with the registered target");
});

test("connection termination off: a deregistered target keeps its UDP flow after the drain, even once it is gone from the configuration", async () => {
  const lb = newAddress();
  const g = group("tg-udp-keep", "UDP", [await echo("c"), await echo("d")], false);
  await plane.apply(nlb(lb, "UDP", g));
  const ask = await udpClient(lb);
  const first = (await ask("1")).split(":")[0]!;
  const kept = g.Targets[first === "c" ? 0 : 1]!;
  await plane.apply(nlb(lb, "UDP", draining(g, kept.Id)));
  await drainOver(g.TargetGroupArn);
  assert.equal(await ask("2"), `${first}:2`);
  await plane.apply(nlb(lb, "UDP", { ...g, Targets: g.Targets.filter((t) => t.Id !== kept.Id) }));
  assert.equal(await ask("3"), `${first}:3`);
  // A new flow never goes to it.
  assert.notEqual((await (await udpClient(lb))("4")).split(":")[0], first);
});

test("connection termination on: a deregistered target's TCP connections are reset when its drain ends", async () => {
  const lb = newAddress();
  const g = group("tg-tcp-term", "TCP", [await echo("e"), await echo("f")], true);
  await plane.apply(nlb(lb, "TCP", g));
  const socket = net.connect({ host: lb, port: PORT });
  const closed = new Promise<boolean>((r) => socket.on("error", () => undefined).on("close", r));
  const reply = await new Promise<string>((r) => socket.once("data", (d) => r(String(d))).write("hi"));
  const name = reply.split(":")[0]!;
  const target = g.Targets[name === "e" ? 0 : 1]!;
  await plane.apply(nlb(lb, "TCP", draining(g, target.Id)));
  // Still open while it drains.
  assert.equal(await new Promise<string>((r) => socket.once("data", (d) => r(String(d))).write("again")), `${name}:again`);
  await drainOver(g.TargetGroupArn);
  assert.equal(await closed, true, "the connection was reset (closed with an error)");
});

test("a target registered again before its drain ends keeps its UDP flows", async () => {
  const lb = newAddress();
  const g = group("tg-udp-back", "UDP", [await echo("g"), await echo("h")], true);
  await plane.apply(nlb(lb, "UDP", g));
  const ask = await udpClient(lb);
  const first = (await ask("1")).split(":")[0]!;
  const kept = g.Targets[first === "g" ? 0 : 1]!;
  await plane.apply(nlb(lb, "UDP", draining(g, kept.Id)));
  await plane.apply(nlb(lb, "UDP", g));
  // Past the end the drain would have had.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await ask("2"), `${first}:2`);
});
