import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateExpressGatewayServiceCommand, DeleteExpressGatewayServiceCommand, DescribeExpressGatewayServiceCommand, ListClustersCommand, ListServicesCommand,
  ListTaskDefinitionsCommand, type ECSClient,
} from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";

/**
 * A kill -9 in the middle of CreateExpressGatewayService: the caller never had an answer, so at the
 * next start Berth undoes what the create had made — the ECS service, the target groups, the host
 * rule, the task definition, the default cluster it made and the shared load balancer no service
 * uses — and the same name can be created again.
 */
const dataDir = mkdtempSync(join(tmpdir(), "berth-express-kill-"));
let berth: BerthProcess | undefined;
after(async () => {
  await berth?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

const clients = (b: BerthProcess) => {
  const config = { endpoint: b.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
  return { ecs: b.ecs(), elb: new ElasticLoadBalancingV2Client(config), cw: new CloudWatchClient(config), logs: new CloudWatchLogsClient(config) };
};
const close = (c: ReturnType<typeof clients>) => {
  for (const client of [c.elb, c.cw, c.logs]) client.destroy();
};
/** The express rollback alarms CloudWatch holds. */
const rollbackAlarms = async (cw: CloudWatchClient) => (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "ecs-gateway-rollback-" }))).MetricAlarms!.map((a) => a.AlarmName);
/** The request for an express service (each round its own name: a deleted one stays DRAINING a while). */
const request = (serviceName: string) => ({
  serviceName, executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole", infrastructureRoleArn: "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForExpressServices",
  primaryContainer: { image: TEST_IMAGE, containerPort: 8080, command: ["sh", "-c", "mkdir -p /www && echo ok > /www/ping && exec httpd -f -p 8080 -h /www"] },
  cpu: "256", memory: "512",
});
const interrupted = (b: BerthProcess, state: "CREATING" | "DELETING") => b.logLines.some((l) => l.msg === "express gateway service: finishing what a restart interrupted" && l.state === state);

/** Nothing of the express service is left, through each API. */
async function assertNothingLeft({ ecs, elb, cw, logs }: ReturnType<typeof clients>, name: string): Promise<void> {
  await assert.rejects(ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: `arn:aws:ecs:us-east-1:000000000000:service/default/${name}` })), { name: "ResourceNotFoundException" });
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, [], "the shared load balancer made for it is gone");
  assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups, [], "its target groups are gone");
  assert.deepEqual(await rollbackAlarms(cw), [], "its rollback alarm is gone");
  assert.deepEqual((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/ecs/default/${name}` }))).logGroups, [], "the log group it made is gone");
  const definitions = (await ecs.send(new ListTaskDefinitionsCommand({ status: "ACTIVE" }))).taskDefinitionArns!;
  assert.deepEqual(definitions.filter((d) => d.includes(`:task-definition/${name}:`)), [], "its task definition is deregistered");
  const clusters = (await ecs.send(new ListClustersCommand({}))).clusterArns!;
  if (clusters.length) {
    const services = (await ecs.send(new ListServicesCommand({ cluster: "default" }))).serviceArns!;
    assert.ok(!services.some((arn) => arn.endsWith(`/${name}`)), "no ECS service of it is left");
  }
}

test("a kill -9 during CreateExpressGatewayService is undone at the next start; the name can be used again", async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ dataDir });
  // The create takes a moment (load balancer, listener, target groups, rule, service, scaling); a
  // kill -9 at one of these delays lands part-way. Each round either lands part-way (recovery undoes
  // it) or after the answer (the service is whole, and deleted before the next round).
  let undone: string | undefined;
  for (const [round, delayMs] of [150, 50, 300, 20, 600, 5, 900].entries()) {
    const name = `shop-${round}`;
    const ecs = berth.ecs();
    const pending = ecs.send(new CreateExpressGatewayServiceCommand(request(name))).then(() => true, () => false);
    await new Promise((r) => setTimeout(r, delayMs));
    await berth.kill9();
    const answered = await pending;
    berth = await BerthProcess.start({ dataDir });
    const after = clients(berth);
    if (interrupted(berth, "CREATING")) {
      assert.equal(answered, false, "a create recovery undid had not answered");
      await assertNothingLeft(after, name);
      // The first round makes the default cluster: undone with it when it was this create's.
      if (round === 0) assert.deepEqual((await after.ecs.send(new ListClustersCommand({}))).clusterArns, [], "the default cluster the create made is deleted again");
      undone = name;
      close(after);
      break;
    }
    // Not interrupted: it finished before the kill and is whole; delete it for the next round.
    const described = await after.ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: `arn:aws:ecs:us-east-1:000000000000:service/default/${name}` }));
    assert.equal(described.service!.status!.statusCode, "ACTIVE");
    await after.ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: described.service!.serviceArn }));
    assert.deepEqual((await after.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
    close(after);
  }
  assert.ok(undone, "one of the kills landed during the create");

  // The name is free again and the create works as usual.
  const fresh = clients(berth);
  const { ecs, elb } = fresh;
  const created = (await ecs.send(new CreateExpressGatewayServiceCommand(request(undone!)))).service!;
  assert.equal(created.status!.statusCode, "ACTIVE");
  assert.equal((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.length, 1);
  await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn }));
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
  close(fresh);
});

test("a kill -9 during DeleteExpressGatewayService is finished at the next start; the load balancer goes with the last service", async () => {
  // Where the delete's window lies depends on the machine's load, so the delay is searched for:
  // a kill that landed before the delete was received (still ACTIVE) moves the next one later, a
  // kill after the delete had finished moves it earlier (halving the interval each round).
  let finished = false;
  let [early, late] = [0, 400];
  for (let round = 0; round < 14; round++) {
    const delayMs = round === 0 ? 20 : Math.round((early + late) / 2);
    const ecs = berth!.ecs();
    const created = (await ecs.send(new CreateExpressGatewayServiceCommand(request(`cart-${round}`)))).service!;
    const pending = ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn })).then(() => true, () => false);
    await new Promise((r) => setTimeout(r, delayMs));
    await berth!.kill9();
    berth = await BerthProcess.start({ dataDir });
    const after = clients(berth);
    const answered = await pending;
    const status = (await after.ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: created.serviceArn }))).service!.status!.statusCode;
    if (status === "ACTIVE") {
      // The kill landed before the delete was received (a loaded machine): nothing changed, the
      // caller had no answer. It is deleted now, and the next round tries again.
      assert.equal(answered, false);
      await after.ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn }));
      early = delayMs;
    } else if (!interrupted(berth, "DELETING")) late = delayMs;
    // Cut short or not, the service is deleted: nothing of it left.
    assert.deepEqual((await after.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, [], "the shared load balancer went with its last service");
    assert.deepEqual((await after.elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups, []);
    assert.deepEqual(await rollbackAlarms(after.cw), [], "its rollback alarm went with it");
    close(after);
    if (interrupted(berth, "DELETING")) {
      finished = true;
      break;
    }
  }
  assert.ok(finished, "one of the kills landed during the delete");
});
