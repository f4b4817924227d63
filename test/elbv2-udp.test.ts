import { test, after } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import { CreateListenerCommand, CreateTargetGroupCommand, DescribeListenersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { failure } from "./failure.js";
import { waitFor } from "./wait.js";

/**
 * NLB UDP and TCP_UDP end to end: the AWS CLI builds an NLB with UDP listeners; a UDP echo server
 * on 127.0.0.1 (with a TCP listener on the same port, as UDP target groups are health checked
 * over TCP) answers through it; a target failing its TCP checks gets no new flow.
 */
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
const sockets: dgram.Socket[] = [];
const servers: net.Server[] = [];

after(async () => {
  elb?.destroy();
  await berth?.dispose();
  for (const s of sockets) s.close();
  for (const s of servers) s.close();
});

/** A UDP echo ("name:datagram") and a TCP echo on the same port of 127.0.0.1. */
async function echo(name: string): Promise<{ port: number; tcp: net.Server }> {
  for (;;) {
    const udp = dgram.createSocket("udp4");
    udp.on("message", (msg, from) => udp.send(`${name}:${msg}`, from.port, from.address));
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
    const port = udp.address().port;
    const tcp = net.createServer((s) => s.on("error", () => {}).on("data", (d) => s.end(`${name}:${d}`)));
    // The TCP port of the same number may be taken by someone else: try another.
    const ok = await new Promise<boolean>((r) => tcp.once("error", () => r(false)).listen(port, "127.0.0.1", () => r(true)));
    if (ok) {
      sockets.push(udp);
      servers.push(tcp);
      return { port, tcp };
    }
    udp.close();
  }
}

/** One client socket: one flow. */
async function client() {
  const socket = dgram.createSocket("udp4");
  sockets.push(socket);
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return (text: string, host: string, port: number) => new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${text}`)), 10_000);
    socket.once("message", (msg) => (clearTimeout(timer), resolve(String(msg))));
    socket.send(text, port, host);
  });
}

const health = async (tg: string) =>
  ((await berth!.aws("elbv2", "describe-target-health", "--target-group-arn", tg)).TargetHealthDescriptions as Array<{ Target: { Port: number }; TargetHealth: { State: string } }>)
    .map((d) => `${d.Target.Port}:${d.TargetHealth.State}`).sort();

test("an NLB forwards UDP flows to TCP-health-checked targets, and TCP_UDP listeners take both", async () => {
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "10"] });
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const [one, two] = [await echo("one"), await echo("two")];
  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "dns", "--type", "network", "--subnets", "subnet-a")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;

  // UDP groups cannot be health checked over UDP.
  const udpCheck = await failure(elb.send(new CreateTargetGroupCommand({ Name: "udp-check", Protocol: "UDP", Port: 53, VpcId: "vpc-1", TargetType: "ip", HealthCheckProtocol: "UDP" as never })));
  assert.equal(udpCheck.name, "ValidationError");
  const tg = (await berth.aws("elbv2", "create-target-group", "--name", "dns", "--protocol", "UDP", "--port", "53", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "2")).TargetGroups[0];
  assert.equal(tg.HealthCheckProtocol, "TCP");
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg.TargetGroupArn, "--targets", `Id=127.0.0.1,Port=${one.port}`, `Id=127.0.0.1,Port=${two.port}`);

  // A UDP listener forwards only to UDP or TCP_UDP groups.
  const tcpTg = (await berth.aws("elbv2", "create-target-group", "--name", "tcp", "--protocol", "TCP", "--port", "53", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0];
  const incompatible = await failure(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "UDP", Port: 9053, DefaultActions: [{ Type: "forward", TargetGroupArn: tcpTg.TargetGroupArn }] })));
  assert.equal(incompatible.name, "IncompatibleProtocolsException");
  assert.equal((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners!.length, 0);

  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "UDP", "--port", "9053", "--default-actions", `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`);
  await waitFor("both targets healthy", async () => ((await health(tg.TargetGroupArn)).every((h) => h.endsWith(":healthy")) ? true : undefined));

  // Each client (source port) is one flow with one target; two flows go round robin.
  const [c1, c2] = [await client(), await client()];
  const first = await c1("q1", address, 9053);
  const name = first.split(":")[0]!;
  assert.equal(await c1("q2", address, 9053), `${name}:q2`);
  const other = name === "one" ? "two" : "one";
  assert.equal(await c2("q3", address, 9053), `${other}:q3`);

  // The other target stops answering TCP: unhealthy, and new flows go to the healthy one only.
  const failing = other === "one" ? one : two;
  await new Promise((r) => failing.tcp.close(r));
  await waitFor("one target unhealthy", async () => ((await health(tg.TargetGroupArn)).includes(`${failing.port}:unhealthy`) ? true : undefined));
  for (let i = 0; i < 3; i++) assert.equal(await (await client())(`n${i}`, address, 9053), `${name}:n${i}`);

  // TCP_UDP: one port, both protocols, to a TCP_UDP group.
  const both = (await berth.aws("elbv2", "create-target-group", "--name", "both", "--protocol", "TCP_UDP", "--port", "53", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0];
  const healthy = name === "one" ? one : two;
  await berth.aws("elbv2", "register-targets", "--target-group-arn", both.TargetGroupArn, "--targets", `Id=127.0.0.1,Port=${healthy.port}`);
  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "TCP_UDP", "--port", "9054", "--default-actions", `Type=forward,TargetGroupArn=${both.TargetGroupArn}`);
  await waitFor("TCP_UDP target healthy", async () => ((await health(both.TargetGroupArn))[0]?.endsWith(":healthy") ? true : undefined));
  assert.equal(await (await client())("dgram", address, 9054), `${name}:dgram`);
  const stream = await new Promise<string>((resolve, reject) => {
    let got = "";
    const socket = net.connect({ host: address, port: 9054 }, () => socket.write("stream"));
    socket.setEncoding("utf8").on("data", (d) => (got += d)).on("end", () => resolve(got)).on("error", reject);
  });
  assert.equal(stream, `${name}:stream`);
});
