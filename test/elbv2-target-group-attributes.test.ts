import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { DescribeTargetGroupAttributesCommand, ElasticLoadBalancingV2Client, ModifyTargetGroupAttributesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { failure } from "./failure.js";
import { waitFor } from "./wait.js";

/**
 * Target group attributes that change where traffic goes, with real traffic: app_cookie stickiness
 * (AWSALBAPP-* cookies after the application sets its own), slow start (a new target's share
 * ramps), weighted_random, and source_ip stickiness on an NLB. Bad combinations get
 * ValidationError and change nothing.
 */
const ARGS = ["--load-balancer-health-check-speedup", "10"];
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
const servers: net.Server[] = [];

after(async () => {
  elb?.destroy();
  await berth?.dispose();
  for (const s of servers) (s as http.Server).closeAllConnections?.(), s.close();
});

/** An HTTP backend answering its name; /login also sets the application's SESSION cookie. */
async function backend(name: string): Promise<number> {
  const server = http.createServer((req, res) => {
    if (req.url === "/login") res.setHeader("set-cookie", "SESSION=s-" + name + "; Path=/");
    res.end(name);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

function get(address: string, port: number, path: string, cookie?: string): Promise<{ body: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    http.get({ host: address, port, path, agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ body, cookies: res.headers["set-cookie"] ?? [] }));
    }).on("error", reject);
  });
}

async function tally(n: number, one: () => Promise<string>): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = await one();
    seen[name] = (seen[name] ?? 0) + 1;
  }
  return seen;
}

/** One server for both tests (either may run alone). */
async function start(): Promise<{ berth: BerthProcess; elb: ElasticLoadBalancingV2Client }> {
  berth ??= await BerthProcess.start({ args: ARGS });
  elb ??= new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  return { berth, elb };
}

const attributes = async (arn: string) => (await elb!.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }))).Attributes;

async function waitHealthy(tg: string, count: number): Promise<void> {
  await waitFor(`${count} healthy targets`, async () => {
    const d = (await berth!.aws("elbv2", "describe-target-health", "--target-group-arn", tg)).TargetHealthDescriptions;
    return d.filter((t: { TargetHealth: { State: string } }) => t.TargetHealth.State === "healthy").length === count ? true : undefined;
  });
}

test("ALB: app_cookie stickiness, slow start and weighted_random with real traffic; bad combinations change nothing", async () => {
  const { berth, elb } = await start();
  const [a, b] = [await backend("a"), await backend("b")];
  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "attrs", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg: string = (await berth.aws("elbv2", "create-target-group", "--name", "attrs", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0].TargetGroupArn;
  const port = 8089;
  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", String(port), "--default-actions", `Type=forward,TargetGroupArn=${tg}`);

  // Bad combinations: ValidationError, attributes unchanged.
  const before = await attributes(tg);
  const bad: Array<[Array<{ Key: string; Value: string }>, RegExp]> = [
    [[{ Key: "stickiness.enabled", Value: "true" }, { Key: "stickiness.type", Value: "app_cookie" }], /cookie_name' must be specified/],
    [[{ Key: "stickiness.app_cookie.cookie_name", Value: "AWSALBAPP-0" }], /reserved for the load balancer/],
    [[{ Key: "stickiness.app_cookie.cookie_name", Value: "bad name" }], /not a valid cookie name/],
    [[{ Key: "load_balancing.algorithm.type", Value: "weighted_random" }, { Key: "slow_start.duration_seconds", Value: "30" }], /weighted_random/],
    [[{ Key: "load_balancing.algorithm.anomaly_mitigation", Value: "on" }], /only with the 'weighted_random'/],
    [[{ Key: "stickiness.type", Value: "source_ip" }], /stickiness.type/],
  ];
  for (const [changes, message] of bad) {
    const err = await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: changes })));
    assert.equal(err.name, "ValidationError", JSON.stringify(changes));
    assert.match(err.message, message);
  }
  assert.deepEqual(await attributes(tg), before);

  // Slow start: a target registered beside a healthy one ramps from nothing over 900 s.
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=slow_start.duration_seconds,Value=900");
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg, "--targets", `Id=127.0.0.1,Port=${a}`);
  await waitHealthy(tg, 1);
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg, "--targets", `Id=127.0.0.1,Port=${b}`);
  await waitHealthy(tg, 2);
  const ramping = await tally(100, async () => (await get(address, port, "/")).body);
  // b has been healthy for seconds of its 900: a share of a few percent at most.
  assert.ok((ramping.b ?? 0) < 10 && ramping.a! > 90, JSON.stringify(ramping));
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=slow_start.duration_seconds,Value=0");
  assert.deepEqual(await tally(100, async () => (await get(address, port, "/")).body), { a: 50, b: 50 });

  // app_cookie: the application's cookie earns AWSALBAPP-0..3, which then pin the client to its target.
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes",
    "Key=stickiness.enabled,Value=true", "Key=stickiness.type,Value=app_cookie", "Key=stickiness.app_cookie.cookie_name,Value=SESSION", "Key=stickiness.app_cookie.duration_seconds,Value=120");
  const plain = await get(address, port, "/");
  assert.deepEqual(plain.cookies, []);
  const login = await get(address, port, "/login");
  assert.deepEqual(login.cookies.map((c) => c.split("=")[0]), ["SESSION", "AWSALBAPP-0", "AWSALBAPP-1", "AWSALBAPP-2", "AWSALBAPP-3"]);
  assert.match(login.cookies[2]!, /^AWSALBAPP-1=_remove_; Expires=.+ GMT; Path=\/$/);
  const pinned = login.cookies.slice(1).map((c) => c.split(";")[0]).join("; ");
  assert.deepEqual(await tally(10, async () => (await get(address, port, "/", `SESSION=x; ${pinned}`)).body), { [login.body]: 10 });
  // Without the load balancer's cookie, round robin again.
  assert.deepEqual(await tally(10, async () => (await get(address, port, "/", "SESSION=x")).body), { a: 5, b: 5 });

  // weighted_random: every request still served, both targets drawn.
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=stickiness.enabled,Value=false", "Key=load_balancing.algorithm.type,Value=weighted_random");
  const random = await tally(100, async () => (await get(address, port, "/")).body);
  assert.equal(random.a! + random.b!, 100);
  assert.ok(random.a! > 0 && random.b! > 0, JSON.stringify(random));
});

/** A TCP backend that writes its name and closes. */
async function tcpBackend(name: string): Promise<number> {
  // Health checks connect and hang up at once: their resets are not errors here.
  const server = net.createServer((s) => s.on("error", () => {}).end(name));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

function tcpName(address: string, port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    net.connect({ host: address, port, localAddress }).setEncoding("utf8").on("data", (c) => (data += c)).on("end", () => resolve(data)).on("error", reject);
  });
}

test("NLB: source_ip stickiness keeps each client address on one target", async () => {
  const { berth, elb } = await start();
  const ports = [await tcpBackend("x"), await tcpBackend("y"), await tcpBackend("z")];
  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "sticky-nlb", "--type", "network", "--subnets", "subnet-a")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg: string = (await berth.aws("elbv2", "create-target-group", "--name", "sticky-nlb", "--protocol", "TCP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0].TargetGroupArn;
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg, "--targets", ...ports.map((p) => `Id=127.0.0.1,Port=${p}`));
  const port = 9091;
  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "TCP", "--port", String(port), "--default-actions", `Type=forward,TargetGroupArn=${tg}`);
  await waitHealthy(tg, 3);

  // Without stickiness one client's connections go round robin.
  assert.deepEqual(await tally(6, () => tcpName(address, port, "127.0.0.1")), { x: 2, y: 2, z: 2 });
  const modified = await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=stickiness.enabled,Value=true", "Key=stickiness.type,Value=source_ip");
  assert.ok(modified.Attributes.some((x: { Key: string; Value: string }) => x.Key === "stickiness.type" && x.Value === "source_ip"));
  // Each of 12 client addresses keeps one target over its connections; together they use more than one.
  const chosen = new Set<string>();
  for (let i = 1; i <= 12; i++) {
    const seen = await tally(4, () => tcpName(address, port, `127.0.${i}.7`));
    assert.equal(Object.keys(seen).length, 1, `client 127.0.${i}.7: ${JSON.stringify(seen)}`);
    chosen.add(Object.keys(seen)[0]!);
  }
  assert.ok(chosen.size > 1);
  // lb_cookie is an ALB type: ValidationError on an NLB group.
  const err = await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: "stickiness.type", Value: "lb_cookie" }] })));
  assert.equal(err.name, "ValidationError");
});
