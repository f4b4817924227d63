import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";

/**
 * `curl http://<the LB's DNSName>/` with no setup: curl resolves `*.localhost` to 127.0.0.1 itself,
 * where the data plane's localhost front routes each request by its Host to that load balancer.
 * Two ALBs share one port and are told apart by Host. Real users use port 80; here each test
 * process takes its own port (below the ephemeral range) since test files run in parallel and the
 * front owns 127.0.0.1:<port>.
 */
const PORT = 10000 + (process.pid % 10000);
const run = promisify(execFile);
let berth: BerthProcess | undefined;
const backends: http.Server[] = [];

after(async () => {
  await berth?.dispose();
  for (const b of backends) b.closeAllConnections(), b.close();
});

/** A backend answering its name and the Host it was sent. */
async function backend(name: string, host: string): Promise<{ host: string; port: number }> {
  const server = http.createServer((req, res) => res.end(`${name} ${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  backends.push(server);
  return { host, port: (server.address() as AddressInfo).port };
}

/** Real curl, which resolves the DNSName by itself (`*.localhost` is loopback to curl 7.78+). */
async function curl(url: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run("curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}", url]);
  const at = stdout.lastIndexOf("\n");
  return { body: stdout.slice(0, at), status: Number(stdout.slice(at + 1)) };
}

/** node:http to 127.0.0.1 with the DNSName as Host, as a client resolving the name to 127.0.0.1 sends it (fetch cannot set Host). */
function viaLocalhost(host: string, port = PORT): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: "/", headers: { host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body }));
    }).on("error", reject);
  });
}

async function albWithTarget(name: string, target: { host: string; port: number }, port = PORT): Promise<{ dnsName: string; address: string; arn: string }> {
  const lb = (await berth!.aws("elbv2", "create-load-balancer", "--name", name, "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const tg = (await berth!.aws("elbv2", "create-target-group", "--name", name, "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0];
  await berth!.aws("elbv2", "register-targets", "--target-group-arn", tg.TargetGroupArn, "--targets", `Id=${target.host},Port=${target.port}`);
  await berth!.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", String(port),
    "--default-actions", `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`);
  return { dnsName: lb.DNSName, address: lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress, arn: lb.LoadBalancerArn };
}

test("curl http://<DNSName>:<port>/ reaches the load balancer's targets; two ALBs on one port are told apart by Host", async () => {
  berth = await BerthProcess.start();
  // Targets start `initial`; with every target initial ALB fails open, so traffic flows at once.
  const web = await albWithTarget("web", await backend("web", "127.0.0.1"));
  const api = await albWithTarget("api", await backend("api", "127.0.0.2"));
  assert.match(web.dnsName, /^web-[0-9]+\.us-east-1\.elb\.localhost$/);

  assert.deepEqual(await curl(`http://${web.dnsName}:${PORT}/`), { status: 200, body: `web ${web.dnsName}:${PORT}` });
  assert.deepEqual(await curl(`http://${api.dnsName}:${PORT}/`), { status: 200, body: `api ${api.dnsName}:${PORT}` });
  assert.deepEqual(await viaLocalhost(web.dnsName), { status: 200, body: `web ${web.dnsName}` });
  assert.deepEqual(await viaLocalhost(api.dnsName), { status: 200, body: `api ${api.dnsName}` });
  // The load balancers' own addresses serve as before.
  assert.equal((await curl(`http://${api.address}:${PORT}/`)).body, `api ${api.address}:${PORT}`);

  // A name no load balancer on this port has: Berth's 404, saying so.
  const unknown = await curl(`http://nope-1.us-east-1.elb.localhost:${PORT}/`);
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /No load balancer named nope-1\.us-east-1\.elb\.localhost has an HTTP listener on port/);

  // A deleted load balancer's name stops routing at once; the other keeps going.
  await berth.aws("elbv2", "delete-load-balancer", "--load-balancer-arn", web.arn);
  assert.equal((await curl(`http://${web.dnsName}:${PORT}/`)).status, 404);
  assert.equal((await curl(`http://${api.dnsName}:${PORT}/`)).body, `api ${api.dnsName}:${PORT}`);

  // A listener on a port 127.0.0.1 already has (here Berth's own API port): the front for it is
  // skipped and logged once; the load balancer's own address serves it.
  const apiPort = Number(new URL(berth.endpoint).port);
  const busy = await albWithTarget("busy", await backend("busy", "127.0.0.3"), apiPort);
  const logged = await waitFor("the skipped front logged", async () =>
    berth!.logLines.find((l) => l.component === "load-balancers" && String(l.msg).includes("localhost front")));
  assert.deepEqual((logged.skipped as string[]).map((s) => s.split(":").slice(0, 2).join(":")), [`127.0.0.1:${apiPort}`]);
  assert.equal((await curl(`http://${busy.address}:${apiPort}/`)).body, `busy ${busy.address}:${apiPort}`);
  // Berth's API still answers on its port.
  assert.deepEqual((await berth.aws("elbv2", "describe-load-balancers")).LoadBalancers.map((l: any) => l.LoadBalancerName).sort(), ["api", "busy"]);
});
