import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ElasticLoadBalancingV2Client, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand, ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";

/**
 * Slow start survives a kill -9: a target that was healthy and past its slow start is not ramped
 * again by the restarted Berth, and one in the middle of its ramp goes on from where it was,
 * rather than from zero. Counted with real requests through the ALB to three HTTP servers.
 */
const SLOW_START_SECONDS = 30;
const dataDir = mkdtempSync(join(tmpdir(), "berth-slow-start-"));
let berth: BerthProcess | undefined;
const servers: http.Server[] = [];
after(async () => {
  await berth?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** An HTTP server on 127.0.0.1 answering its name. */
async function backend(name: string): Promise<number> {
  const server = http.createServer((_req, res) => res.end(name));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

const start = () => BerthProcess.start({ dataDir, args: ["--load-balancer-health-check-speedup", "5"] });
const elbOf = (b: BerthProcess) => new ElasticLoadBalancingV2Client({ endpoint: b.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("slow start after a kill -9: a target past its ramp is not ramped again, one mid-ramp goes on from where it was", async () => {
  berth = await start();
  let elb = elbOf(berth);
  const ports = { a: await backend("a"), b: await backend("b"), c: await backend("c") };
  try {
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "ramp", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
    const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
    const tg = (await elb.send(new CreateTargetGroupCommand({
      Name: "ramp", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip", HealthCheckPath: "/", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, HealthyThresholdCount: 2,
      // A busy machine must not fail a target in the middle of the count.
      UnhealthyThresholdCount: 10,
    }))).TargetGroups![0]!.TargetGroupArn!;
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: "slow_start.duration_seconds", Value: String(SLOW_START_SECONDS) }] }));
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }] }));
    const healthy = async (...which: Array<keyof typeof ports>) => {
      const d = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [];
      return which.every((w) => d.some((x) => x.Target!.Port === ports[w] && x.TargetHealth!.State === "healthy"));
    };
    const register = (w: keyof typeof ports) => elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: "127.0.0.1", Port: ports[w] }] }));

    // a alone (the first target of a group does not ramp), then b, which ramps; then b's ramp ends.
    await register("a");
    await waitFor("a healthy", () => healthy("a"));
    await register("b");
    await waitFor("b healthy", () => healthy("b"));
    await sleep(SLOW_START_SECONDS * 1000 + 1000);
    // c ramps: registered now, healthy a moment later (its slow start began at most then).
    const cRegistered = Date.now();
    await register("c");
    await waitFor("c healthy", () => healthy("c"));
    const cSeenHealthy = Date.now();

    await berth.kill9();
    berth = await start();
    elb.destroy();
    elb = elbOf(berth);
    await waitFor("all three healthy after the restart", () => healthy("a", "b", "c"), 30_000);

    // Requests one after another; each answer names its target.
    const counts = { a: 0, b: 0, c: 0 };
    const N = 300;
    const from = Date.now();
    for (let i = 0; i < N; i++) {
      const res = await fetch(`http://${address}/`);
      const body = await res.text();
      assert.equal(res.status, 200, body);
      counts[body as keyof typeof counts]++;
    }
    const to = Date.now();
    const story = `${JSON.stringify(counts)} ${from - cSeenHealthy} ms after c was seen healthy`;

    // a and b are both at their full share: round robin gives them as many requests (±2).
    assert.ok(Math.abs(counts.a - counts.b) <= 2, `a and b share evenly: ${story}`);
    // c's share grows linearly from when it turned healthy (at most when the test saw it): at
    // `from` its weight is at least (from - cSeenHealthy) / duration, beside weights 1 and 1.
    const least = Math.min(1, (from - cSeenHealthy) / (SLOW_START_SECONDS * 1000));
    assert.ok(counts.c >= Math.floor((N * least) / (2 + least)) - 2, `c's ramp went on from where it was, not from zero: ${story}`);
    // Still ramping (its slow start began after it was registered, less than the duration ago): less than a full share.
    if (to - cRegistered < SLOW_START_SECONDS * 1000) assert.ok(counts.c < Math.min(counts.a, counts.b), `c still ramps: ${story}`);
  } finally {
    elb.destroy();
  }
});
