import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client, ModifyRuleCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";

/**
 * Target group stickiness of a weighted forward, with real traffic: a forward 50/50 across two
 * target groups (blue: targets b1 b2; green: g1 g2) with TargetGroupStickinessConfig on sets
 * AWSALBTG and AWSALBTGCORS; a client sending AWSALBTG back stays in its group (round robin
 * inside it), and with AWSALB too on its target; without the cookie, or once its duration is
 * over, requests split again; turning the stickiness off (ModifyListener, ModifyRule) stops
 * the cookie. A WebSocket upgrade's 101 carries it as well.
 */
const ARGS = ["--load-balancer-health-check-speedup", "10"];
const PORT = 8097;
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
const servers: http.Server[] = [];

after(async () => {
  elb?.destroy();
  await berth?.dispose();
  for (const s of servers) s.closeAllConnections(), s.close();
});

/** An HTTP backend answering its name, and switching protocols on an Upgrade request. */
async function backend(name: string): Promise<number> {
  const server = http.createServer((_req, res) => res.end(name));
  server.on("upgrade", (_req, socket: net.Socket) => socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Name: ${name}\r\n\r\n`));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

interface Answer { body: string; cookies: string[] }
function get(address: string, path: string, cookie?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get({ host: address, port: PORT, path, agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ body, cookies: res.headers["set-cookie"] ?? [] }));
    }).on("error", reject);
  });
}

/** `name=value` of the Set-Cookie named `name`, if the answer has one. */
const pair = (answer: Answer, name: string) => answer.cookies.find((c) => c.startsWith(`${name}=`))?.split(";")[0];

/** The backends that answered n requests (each sending `cookie`), by name, with counts. */
async function tally(address: string, path: string, n: number, cookie?: string): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const { body } = await get(address, path, cookie);
    seen[body] = (seen[body] ?? 0) + 1;
  }
  return seen;
}
const groupOf = (name: string) => (name.startsWith("b") ? "blue" : "green");
const groupsIn = (seen: Record<string, number>) => [...new Set(Object.keys(seen).map(groupOf))].sort();

test("weighted forward with target group stickiness: AWSALBTG binds a client to its group, beside AWSALB; off again with ModifyListener and ModifyRule", async () => {
  berth = await BerthProcess.start({ args: ARGS });
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "tgsticky", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const groups: Record<string, string> = {};
  for (const [color, names] of [["blue", ["b1", "b2"]], ["green", ["g1", "g2"]]] as const) {
    groups[color] = (await berth.aws("elbv2", "create-target-group", "--name", color, "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
      "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0].TargetGroupArn;
    const targets = await Promise.all(names.map(async (n) => `Id=127.0.0.1,Port=${await backend(n)}`));
    await berth.aws("elbv2", "register-targets", "--target-group-arn", groups[color]!, "--targets", ...targets);
  }
  const weighted = (stickiness: object) => JSON.stringify([{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: groups.blue, Weight: 50 }, { TargetGroupArn: groups.green, Weight: 50 }], TargetGroupStickinessConfig: stickiness } }]);
  const listener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", String(PORT),
    "--default-actions", weighted({ Enabled: true, DurationSeconds: 600 }))).Listeners[0].ListenerArn;
  for (const arn of Object.values(groups)) {
    await waitFor("two healthy targets", async () => {
      const d = (await berth!.aws("elbv2", "describe-target-health", "--target-group-arn", arn)).TargetHealthDescriptions;
      return d.filter((t: { TargetHealth: { State: string } }) => t.TargetHealth.State === "healthy").length === 2 ? true : undefined;
    });
  }

  // Every answer binds: AWSALBTG, and AWSALBTGCORS (SameSite=None; Secure) with the same value.
  const first = await get(address, "/");
  const tg = pair(first, "AWSALBTG")!;
  assert.ok(tg, JSON.stringify(first.cookies));
  assert.match(first.cookies.find((c) => c.startsWith("AWSALBTG="))!, /^AWSALBTG=[\w-]+; Expires=.+ GMT; Path=\/$/);
  assert.equal(first.cookies.find((c) => c.startsWith("AWSALBTGCORS="))!, `AWSALBTGCORS=${tg.slice("AWSALBTG=".length)}; ${first.cookies.find((c) => c.startsWith("AWSALBTG="))!.split("; ").slice(1).join("; ")}; SameSite=None; Secure`);
  // Sending it back: always the same group, round robin over both of its targets; the cookie comes back unchanged (its expiry is the binding's).
  const bound = groupOf(first.body);
  const boundTally = await tally(address, "/", 20, tg);
  assert.deepEqual(groupsIn(boundTally), [bound]);
  assert.equal(Object.keys(boundTally).length, 2, JSON.stringify(boundTally));
  assert.equal(pair(await get(address, "/", tg), "AWSALBTG"), tg);
  // Without it, the 50/50 weights split the requests between the groups.
  assert.deepEqual(groupsIn(await tally(address, "/", 40)), ["blue", "green"]);
  // A forged value (another byte) binds nothing: split again.
  const forged = tg.slice(0, -2) + (tg.endsWith("AA") ? "BB" : "AA");
  assert.deepEqual(groupsIn(await tally(address, "/", 40, forged)), ["blue", "green"]);

  // With target stickiness on in both groups, AWSALB is set beside AWSALBTG and the two together keep the client on one target.
  for (const arn of Object.values(groups)) {
    await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", arn, "--attributes", "Key=stickiness.enabled,Value=true", "Key=stickiness.type,Value=lb_cookie");
  }
  const both = await get(address, "/", tg);
  assert.equal(groupOf(both.body), bound);
  assert.deepEqual(both.cookies.map((c) => c.split("=")[0]), ["AWSALBTG", "AWSALBTGCORS", "AWSALB", "AWSALBCORS"]);
  assert.deepEqual(await tally(address, "/", 10, `${tg}; ${pair(both, "AWSALB")}`), { [both.body]: 10 });
  for (const arn of Object.values(groups)) {
    await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", arn, "--attributes", "Key=stickiness.enabled,Value=false");
  }

  // A WebSocket upgrade goes to the bound group, and its 101 binds too.
  const upgraded = await upgrade(address, tg);
  assert.match(upgraded, /^HTTP\/1\.1 101 /);
  assert.equal(groupOf(/x-name: (\w+)/i.exec(upgraded)![1]!), bound);
  assert.ok(upgraded.includes(`Set-Cookie: ${tg};`), upgraded);

  // A short duration: once it is over, the same cookie binds nothing and the weights choose again (and rebind).
  await berth.aws("elbv2", "modify-listener", "--listener-arn", listener, "--default-actions", weighted({ Enabled: true, DurationSeconds: 1 }));
  const short = pair(await get(address, "/"), "AWSALBTG")!;
  await new Promise((r) => setTimeout(r, 2100));
  const afterExpiry = await get(address, "/", short);
  assert.notEqual(pair(afterExpiry, "AWSALBTG"), short, "a new binding");
  assert.deepEqual(groupsIn(await tally(address, "/", 40, short)), ["blue", "green"]);

  // ModifyListener turns it off: no AWSALBTG any more, and an old one is ignored.
  await berth.aws("elbv2", "modify-listener", "--listener-arn", listener, "--default-actions", weighted({ Enabled: false }));
  const off = await get(address, "/", tg);
  assert.deepEqual(off.cookies, []);
  assert.deepEqual(groupsIn(await tally(address, "/", 40, tg)), ["blue", "green"]);

  // A rule's forward (the CLI), then ModifyRule (the SDK) turning its stickiness off.
  const rule = (await berth.aws("elbv2", "create-rule", "--listener-arn", listener, "--priority", "10", "--conditions", "Field=path-pattern,Values=/rule/*",
    "--actions", weighted({ Enabled: true, DurationSeconds: 600 }))).Rules[0].RuleArn;
  const ruled = await get(address, "/rule/x");
  const ruleCookie = pair(ruled, "AWSALBTG")!;
  assert.ok(ruleCookie, JSON.stringify(ruled.cookies));
  assert.deepEqual(groupsIn(await tally(address, "/rule/x", 10, ruleCookie)), [groupOf(ruled.body)]);
  await elb.send(new ModifyRuleCommand({ RuleArn: rule, Actions: JSON.parse(weighted({ Enabled: false })) }));
  assert.deepEqual((await get(address, "/rule/x", ruleCookie)).cookies, []);
  assert.deepEqual(groupsIn(await tally(address, "/rule/x", 40, ruleCookie)), ["blue", "green"]);
});

/** An Upgrade request with `cookie`; the target's 101 head as the client gets it. */
function upgrade(address: string, cookie: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port: PORT });
    let got = "";
    socket.setEncoding("latin1").on("data", (d) => (got += d)).on("close", () => resolve(got)).on("error", reject);
    socket.write(`GET /ws HTTP/1.1\r\nHost: ${address}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nCookie: ${cookie}\r\n\r\n`);
  });
}
