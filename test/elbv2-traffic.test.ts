import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client, waitUntilTargetInService, waitUntilTargetDeregistered } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";

/**
 * The scenario with real traffic: the AWS CLI creates a load balancer, a target group
 * (health check /health every 5 s, healthy after 2) and an HTTP listener on port 80 of the load
 * balancer's own address; three node:http backends are registered as IP targets; requests to the
 * load balancer go round robin, a backend that stops leaves rotation, a deregistered target drains
 * then goes, a path-pattern rule routes to a second group, and a kill -9 + restart keeps serving.
 * Health checks run 10x faster than configured (loadBalancerHealthCheckSpeedup) to keep it short.
 */
const ARGS = ["--load-balancer-health-check-speedup", "10"];
const dataDir = mkdtempSync(join(tmpdir(), "berth-elb-traffic-"));
let berth: BerthProcess | undefined;
const backends: http.Server[] = [];

after(async () => {
  await berth?.dispose();
  for (const b of backends) b.closeAllConnections(), b.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A backend answering its name on every path and 200 on /health, on its own loopback address. */
async function backend(name: string, host: string): Promise<{ server: http.Server; host: string; port: number }> {
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(req.url === "/health" ? "ok" : `${name} ${req.headers["x-forwarded-for"] ?? "-"}`);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  backends.push(server);
  return { server, host, port: (server.address() as AddressInfo).port };
}

/** GET through the load balancer; the backend's name (first word of the body). */
async function get(url: string): Promise<string> {
  const res = await fetch(url);
  const body = await res.text();
  assert.equal(res.status, 200, body);
  return body.split(" ")[0]!;
}

async function counts(url: string, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = await get(url);
    seen[name] = (seen[name] ?? 0) + 1;
  }
  return seen;
}

test("an ALB serves three IP targets round robin, health checks them, drains, routes by path, survives kill -9", async () => {
  berth = await BerthProcess.start({ dataDir, args: ARGS });
  const elb = () => new ElasticLoadBalancingV2Client({ endpoint: berth!.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const [a, b, c] = await Promise.all([backend("a", "127.0.0.1"), backend("b", "127.0.0.2"), backend("c", "127.0.0.3")]);

  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "web", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg = (await berth.aws("elbv2", "create-target-group", "--name", "web", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-path", "/health", "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0];
  const TG: string = tg.TargetGroupArn;
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", TG, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=15");
  const listener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", "80",
    "--default-actions", `Type=forward,TargetGroupArn=${TG}`)).Listeners[0];
  await berth.aws("elbv2", "register-targets", "--target-group-arn", TG, "--targets", ...[a, b, c].map((t) => `Id=${t.host},Port=${t.port}`));

  // initial -> healthy: the SDK waiter sees every target in service.
  const client = elb();
  await waitUntilTargetInService({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TargetGroupArn: TG });
  const health = (await berth.aws("elbv2", "describe-target-health", "--target-group-arn", TG)).TargetHealthDescriptions;
  assert.deepEqual(health.map((d: any) => [d.Target.Id, d.Target.Port, d.TargetHealth.State]).sort(),
    [a, b, c].map((t) => [t.host, t.port, "healthy"]).sort());

  // Round robin over the three healthy targets, and the client's address is forwarded.
  const url = `http://${address}/`;
  assert.deepEqual(await counts(url, 30), { a: 10, b: 10, c: 10 });
  const body = await (await fetch(url)).text();
  assert.match(body, /^[abc] 127\.0\.0\.1$/);

  // A backend that stops fails its health checks, turns unhealthy and leaves rotation.
  c.server.closeAllConnections();
  await new Promise((resolve) => c.server.close(resolve));
  const unhealthy = await waitFor("c unhealthy", async () => {
    const d = (await berth!.aws("elbv2", "describe-target-health", "--target-group-arn", TG)).TargetHealthDescriptions.find((x: any) => x.Target.Id === c.host);
    return d.TargetHealth.State === "unhealthy" ? d.TargetHealth : undefined;
  });
  assert.match(unhealthy.Reason, /^Target\.(FailedHealthChecks|Timeout)$/);
  assert.deepEqual(await counts(url, 20), { a: 10, b: 10 });

  // A path-pattern rule sends /api/* to a second target group.
  const api = await backend("api", "127.0.0.4");
  const tg2 = (await berth.aws("elbv2", "create-target-group", "--name", "api", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-path", "/health", "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0].TargetGroupArn;
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg2, "--targets", `Id=${api.host},Port=${api.port}`);
  await berth.aws("elbv2", "create-rule", "--listener-arn", listener.ListenerArn, "--priority", "10",
    "--conditions", "Field=path-pattern,Values=/api/*", "--actions", `Type=forward,TargetGroupArn=${tg2}`);
  assert.equal(await get(`http://${address}/api/orders`), "api");
  assert.equal(await get(`http://${address}/orders`) === "api", false);

  // A listener whose address:port another process holds: the call succeeds (AWS has no such
  // failure), every other listener carries on, and the conflict is not silent: Berth logs it as an
  // error and the load balancer says so (active_impaired, with the reason) until the address is
  // free; then the listener opens by itself (Berth tries again every few seconds).
  const other = (await berth.aws("elbv2", "create-load-balancer", "--name", "other", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const squatter = await backend("squatter", other.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress);
  squatter.server.close();
  await new Promise<void>((resolve) => squatter.server.listen(80, squatter.host, resolve));
  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", other.LoadBalancerArn, "--protocol", "HTTP", "--port", "80",
    "--default-actions", "Type=fixed-response,FixedResponseConfig={StatusCode=200,ContentType=text/plain,MessageBody=other}");
  await waitFor("the bind failure logged as an error", async () =>
    berth!.logLines.some((l) => l.component === "load-balancers" && l.level === 50 && String(l.msg).includes(`${squatter.host}:80 (HTTP)`) && String(l.msg).includes("EADDRINUSE")) || undefined);
  const otherState = async () => (await berth!.aws("elbv2", "describe-load-balancers", "--names", "other")).LoadBalancers[0].State;
  const impaired = await otherState();
  assert.equal(impaired.Code, "active_impaired");
  assert.match(impaired.Reason, new RegExp(`another program holds their address and port \\(${squatter.host.replaceAll(".", "\\.")}:80 \\(HTTP\\): .*EADDRINUSE`));
  assert.equal((await berth.aws("elbv2", "describe-load-balancers", "--names", "web")).LoadBalancers[0].State.Code, "active", "the other load balancer is not impaired");
  assert.equal(await get(`http://${address}/api/orders`), "api");
  assert.equal(await get(`http://${squatter.host}/`), "squatter");
  await new Promise<void>((resolve) => squatter.server.close(() => resolve()));
  await waitFor("the freed listener bound", async () => (await otherState()).Code === "active" || undefined);
  assert.equal(await get(`http://${squatter.host}/`), "other");
  assert.ok(berth.logLines.some((l) => l.component === "load-balancers" && l.msg === "every load balancer listener is bound again"));

  // Deregistration: draining at once, gone after the 15 s delay (long enough for two CLI calls on a loaded machine); no new requests go to it.
  await berth.aws("elbv2", "deregister-targets", "--target-group-arn", TG, "--targets", `Id=${a.host},Port=${a.port}`);
  const drainingNow = (await berth.aws("elbv2", "describe-target-health", "--target-group-arn", TG)).TargetHealthDescriptions.find((x: any) => x.Target.Id === a.host);
  assert.deepEqual(drainingNow.TargetHealth, { State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" });
  assert.deepEqual(await counts(url, 5), { b: 5 });
  await waitUntilTargetDeregistered({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TargetGroupArn: TG, Targets: [{ Id: a.host, Port: a.port }] });
  client.destroy();

  // kill -9, then the restarted Berth serves the same load balancer from its store.
  await berth.kill9();
  berth = await BerthProcess.start({ dataDir, args: ARGS });
  // Health is not stored: it starts again from initial (and, all targets initial, ALB fails open),
  // so the stopped backend is out of rotation once its checks fail again.
  await waitFor("b healthy and c unhealthy again", async () => {
    const states = (await berth!.aws("elbv2", "describe-target-health", "--target-group-arn", TG)).TargetHealthDescriptions.map((d: any) => `${d.Target.Id} ${d.TargetHealth.State}`);
    return states.sort().join(",") === `${b.host} healthy,${c.host} unhealthy` ? true : undefined;
  });
  assert.deepEqual(await counts(url, 4), { b: 4 });
  assert.equal(await get(`http://${address}/api/x`), "api");
  const after = (await berth.aws("elbv2", "describe-target-health", "--target-group-arn", TG)).TargetHealthDescriptions;
  assert.deepEqual(after.map((d: any) => d.Target.Id).sort(), [b.host, c.host]);
});
