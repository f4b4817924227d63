import { test, after } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";

/**
 * A deregistered target's UDP flows, through the AWS CLI and real datagrams: with
 * deregistration_delay.connection_termination.enabled (the default of a new UDP target group)
 * the flow is closed when the drain ends and the client's next datagram reaches a registered
 * target; with it off the flow stays with the deregistered target until it goes idle, as on NLB.
 */
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
const closers: Array<() => void> = [];
after(async () => {
  elb?.destroy();
  await berth?.dispose();
  for (const close of closers) close();
});

/** A UDP echo ("name:datagram") with a TCP listener on the same port for the health checks. */
async function echo(name: string): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket("udp4");
    udp.on("message", (msg, from) => udp.send(`${name}:${msg}`, from.port, from.address));
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
    const port = udp.address().port;
    const tcp = net.createServer((s) => s.on("error", () => undefined).end());
    if (await new Promise<boolean>((r) => tcp.once("error", () => r(false)).listen(port, "127.0.0.1", () => r(true)))) {
      closers.push(() => udp.close(), () => tcp.close());
      return port;
    }
    udp.close();
  }
}

/** One client socket, one flow. */
async function client(host: string, port: number): Promise<(text: string) => Promise<string>> {
  const socket = dgram.createSocket("udp4");
  closers.push(() => socket.close());
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return (text) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${text}`)), 5000);
    socket.once("message", (msg) => (clearTimeout(timer), resolve(String(msg))));
    socket.send(text, port, host);
  });
}

test("NLB UDP: a deregistered target's flow ends with its drain when connection termination is on (the UDP default), and lives on when it is off", async () => {
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "10"] });
  const aws = berth.aws.bind(berth);
  // The AWS CLI makes the changes; the SDK polls (a CLI call costs a second of CPU).
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const ports = { a: await echo("a"), b: await echo("b") };
  const lb = (await aws("elbv2", "create-load-balancer", "--name", "udp-drain", "--type", "network", "--subnets", "subnet-a")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg = (await aws("elbv2", "create-target-group", "--name", "udp-drain", "--protocol", "UDP", "--port", "53", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "10")).TargetGroups[0].TargetGroupArn as string;
  const attribute = async (arn: string, key: string) => ((await aws("elbv2", "describe-target-group-attributes", "--target-group-arn", arn)).Attributes as Array<{ Key: string; Value: string }>).find((a) => a.Key === key)?.Value;
  assert.equal(await attribute(tg, "deregistration_delay.connection_termination.enabled"), "true", "a new UDP group terminates connections at the end of a drain");
  const tcpTg = (await aws("elbv2", "create-target-group", "--name", "tcp-drain", "--protocol", "TCP", "--port", "53", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0].TargetGroupArn as string;
  assert.equal(await attribute(tcpTg, "deregistration_delay.connection_termination.enabled"), "false", "a TCP group does not, by default");
  await aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=3");
  await aws("elbv2", "register-targets", "--target-group-arn", tg, "--targets", `Id=127.0.0.1,Port=${ports.a}`, `Id=127.0.0.1,Port=${ports.b}`);
  await aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "UDP", "--port", "9153", "--default-actions", `Type=forward,TargetGroupArn=${tg}`);
  const states = async () => Object.fromEntries(((await elb!.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [])
    .map((d) => [d.Target!.Port!, d.TargetHealth!.State!]));
  const allHealthy = () => waitFor("both targets healthy", async () => {
    const s = await states();
    return Object.keys(s).length === 2 && Object.values(s).every((x) => x === "healthy");
  });
  await allHealthy();

  // Termination on: the flow is forwarded while its target drains, and moves once the drain is over.
  const ask = await client(address, 9153);
  const first = (await ask("1")).split(":")[0] as "a" | "b";
  const other = first === "a" ? "b" : "a";
  await aws("elbv2", "deregister-targets", "--target-group-arn", tg, "--targets", `Id=127.0.0.1,Port=${ports[first]}`);
  const during = await ask("2");
  if ((await states())[ports[first]] === "draining") assert.equal(during, `${first}:2`, "the flow is still forwarded while its target drains");
  await waitFor("the drain over", async () => (await states())[ports[first]] === undefined);
  await waitFor("the flow moved to the registered target", async () => (await ask("3")) === `${other}:3`);
  assert.equal(await ask("4"), `${other}:4`);

  // Termination off: a flow to a target deregistered since keeps going to it.
  await aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=deregistration_delay.connection_termination.enabled,Value=false");
  await aws("elbv2", "register-targets", "--target-group-arn", tg, "--targets", `Id=127.0.0.1,Port=${ports[first]}`);
  await allHealthy();
  // Round robin: of two new flows, one goes to each target.
  const flows = [await client(address, 9153), await client(address, 9153)];
  const answers = [await flows[0]!("5"), await flows[1]!("5")];
  const toFirst = flows[answers.findIndex((a) => a === `${first}:5`)]!;
  assert.ok(toFirst, `one new flow reached ${first}: ${answers.join(", ")}`);
  await aws("elbv2", "deregister-targets", "--target-group-arn", tg, "--targets", `Id=127.0.0.1,Port=${ports[first]}`);
  await waitFor("the second drain over", async () => (await states())[ports[first]] === undefined);
  assert.equal(await toFirst("6"), `${first}:6`, "the flow outlives its target's drain");
  assert.equal(await (await client(address, 9153))("7"), `${other}:7`, "a new flow goes to the registered target only");
});
