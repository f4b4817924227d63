import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, ModifyListenerAttributesCommand, waitUntilTargetInService, type ListenerAttribute,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";

/**
 * Listener attributes with real traffic: the ALB's response header values reach proxied answers
 * (replacing the target's header of the same name) and the load balancer's own (fixed-response,
 * redirect, 503), routing.http.response.server.enabled false takes `Server: awselb/2.0` off its
 * own answers, and an NLB TCP listener's tcp.idle_timeout.seconds resets flows idle that long,
 * each taking effect on the running load balancer as soon as ModifyListenerAttributes answers.
 * Health checks run 10x faster than configured; the idle timeout cannot (60 s is AWS's minimum).
 */
const dataDir = mkdtempSync(join(tmpdir(), "berth-listener-attributes-traffic-"));
let berth: BerthProcess;
let elb: ElasticLoadBalancingV2Client;
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

after(async () => {
  for (const s of sockets) s.destroy();
  elb?.destroy();
  await berth?.dispose();
  for (const s of servers) {
    if (s instanceof http.Server) s.closeAllConnections();
    s.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function listen<T extends net.Server>(server: T, host: string): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

const modify = (ListenerArn: string, Attributes: ListenerAttribute[]) => elb.send(new ModifyListenerAttributesCommand({ ListenerArn, Attributes }));

const HSTS = "routing.http.response.strict_transport_security.header_value";
const FRAME = "routing.http.response.x_frame_options.header_value";
const ORIGIN = "routing.http.response.access_control_allow_origin.header_value";
const MAX_AGE = "routing.http.response.access_control_max_age.header_value";
const SERVER = "routing.http.response.server.enabled";

test("ALB: header values on proxied and own answers, replacing the target's; Server header off; both undone by emptying them", async () => {
  berth = await BerthProcess.start({ dataDir, args: ["--load-balancer-health-check-speedup", "10"] });
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  // The target sends its own X-Frame-Options and Server, which the attributes meet.
  const port = await listen(http.createServer((_req, res) => {
    res.setHeader("x-frame-options", "SAMEORIGIN");
    res.setHeader("server", "backend");
    res.end("from target");
  }), "127.0.0.1");

  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "hdr-alb", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const group = (await berth.aws("elbv2", "create-target-group", "--name", "hdr-web", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0].TargetGroupArn;
  const empty = (await berth.aws("elbv2", "create-target-group", "--name", "hdr-empty", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0].TargetGroupArn;
  const listener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", "80",
    "--default-actions", `Type=forward,TargetGroupArn=${group}`)).Listeners[0].ListenerArn;
  await berth.aws("elbv2", "create-rule", "--listener-arn", listener, "--priority", "1", "--conditions", "Field=path-pattern,Values=/fixed",
    "--actions", "Type=fixed-response,FixedResponseConfig={StatusCode=418,ContentType=text/plain,MessageBody=teapot}");
  await berth.aws("elbv2", "create-rule", "--listener-arn", listener, "--priority", "2", "--conditions", "Field=path-pattern,Values=/moved",
    "--actions", "Type=redirect,RedirectConfig={Path=/elsewhere,StatusCode=HTTP_302}");
  await berth.aws("elbv2", "create-rule", "--listener-arn", listener, "--priority", "3", "--conditions", "Field=path-pattern,Values=/nobody",
    "--actions", `Type=forward,TargetGroupArn=${empty}`);
  await berth.aws("elbv2", "register-targets", "--target-group-arn", group, "--targets", `Id=127.0.0.1,Port=${port}`);
  await waitUntilTargetInService({ client: elb, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TargetGroupArn: group });

  const get = async (path: string) => {
    const res = await fetch(`http://${address}${path}`, { redirect: "manual" });
    await res.arrayBuffer();
    const h = (name: string) => res.headers.get(name);
    return { status: res.status, server: h("server"), hsts: h("strict-transport-security"), frame: h("x-frame-options"), origin: h("access-control-allow-origin"), maxAge: h("access-control-max-age") };
  };
  const none = { hsts: null, frame: null, origin: null, maxAge: null };

  // As created: the target's headers pass as they are; the load balancer's own answers say awselb/2.0.
  assert.deepEqual(await get("/"), { status: 200, server: "backend", ...none, frame: "SAMEORIGIN" });
  assert.deepEqual(await get("/fixed"), { status: 418, server: "awselb/2.0", ...none });
  assert.deepEqual(await get("/moved"), { status: 302, server: "awselb/2.0", ...none });
  assert.deepEqual(await get("/nobody"), { status: 503, server: "awselb/2.0", ...none });

  await modify(listener, [
    { Key: SERVER, Value: "false" }, { Key: HSTS, Value: "max-age=31536000; includeSubDomains" }, { Key: FRAME, Value: "DENY" },
    { Key: ORIGIN, Value: "https://example.com" }, { Key: MAX_AGE, Value: "600" },
  ]);
  const added = { hsts: "max-age=31536000; includeSubDomains", frame: "DENY", origin: "https://example.com", maxAge: "600" };
  // Every answer gets the values, the target's X-Frame-Options gives way to the listener's (one
  // value, not two), and a target's own Server header is the target's business.
  assert.deepEqual(await get("/"), { status: 200, server: "backend", ...added });
  assert.deepEqual(await get("/fixed"), { status: 418, server: null, ...added });
  assert.deepEqual(await get("/moved"), { status: 302, server: null, ...added });
  assert.deepEqual(await get("/nobody"), { status: 503, server: null, ...added });

  // Only the Server header back on; then every value emptied: as created again.
  await modify(listener, [{ Key: SERVER, Value: "true" }]);
  assert.deepEqual(await get("/fixed"), { status: 418, server: "awselb/2.0", ...added });
  await modify(listener, [HSTS, FRAME, ORIGIN, MAX_AGE].map((Key) => ({ Key, Value: "" })));
  assert.deepEqual(await get("/"), { status: 200, server: "backend", ...none, frame: "SAMEORIGIN" });
  assert.deepEqual(await get("/fixed"), { status: 418, server: "awselb/2.0", ...none });
});

/** A connection through the NLB that records how it ended. */
async function flow(address: string, port: number): Promise<{ socket: net.Socket; echo: (text: string) => Promise<string>; ended: Promise<string> }> {
  const socket = net.connect({ host: address, port });
  sockets.push(socket);
  await once(socket, "connect");
  const ended = new Promise<string>((resolve) => {
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.on("close", () => resolve("closed"));
  });
  const echo = async (text: string) => {
    socket.write(text);
    const [data] = (await once(socket, "data")) as [Buffer];
    return data.toString();
  };
  return { socket, echo, ended };
}

test("NLB: a TCP flow idle for tcp.idle_timeout.seconds is reset, a changed timeout reaches open flows, a busy flow lives on", { timeout: 180_000 }, async () => {
  const echoPort = await listen(net.createServer((s) => {
    s.on("error", () => s.destroy());
    s.pipe(s);
  }), "127.0.0.1");
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "idle-nlb", Type: "network", Subnets: ["subnet-a"] }))).LoadBalancers![0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const group = (await berth.aws("elbv2", "create-target-group", "--name", "idle-tcp", "--protocol", "TCP", "--port", "7", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "10", "--healthy-threshold-count", "2")).TargetGroups[0].TargetGroupArn;
  const listener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn!, "--protocol", "TCP", "--port", "7007",
    "--default-actions", `Type=forward,TargetGroupArn=${group}`)).Listeners[0].ListenerArn;
  await berth.aws("elbv2", "register-targets", "--target-group-arn", group, "--targets", `Id=127.0.0.1,Port=${echoPort}`);
  await waitUntilTargetInService({ client: elb, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TargetGroupArn: group });

  // `before` opens under the default 350 s; the change to AWS's minimum reaches it, and `after` opens under it.
  const before = await flow(address, 7007);
  assert.equal(await before.echo("one"), "one");
  await modify(listener, [{ Key: "tcp.idle_timeout.seconds", Value: "60" }]);
  const afterChange = await flow(address, 7007);
  assert.equal(await afterChange.echo("two"), "two");
  // `busy` sends something every 10 s: never idle for 60, it outlives the other two.
  const busy = await flow(address, 7007);
  let stop = false;
  const keepBusy = (async () => {
    while (!stop) {
      assert.equal(await busy.echo("ping"), "ping");
      await new Promise((r) => setTimeout(r, 10_000));
    }
  })();

  // NLB answers an expired flow with a TCP reset: the client sees ECONNRESET.
  assert.deepEqual(await Promise.all([before.ended, afterChange.ended]), ["ECONNRESET", "ECONNRESET"]);
  stop = true;
  await keepBusy;
  assert.equal(await busy.echo("still here"), "still here");
  busy.socket.destroy();
});
