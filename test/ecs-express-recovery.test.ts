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

const clients = (b: BerthProcess) => ({
  ecs: b.ecs(),
  elb: new ElasticLoadBalancingV2Client({ endpoint: b.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 }),
});
const request = {
  serviceName: "shop", executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole", infrastructureRoleArn: "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForExpressServices",
  primaryContainer: { image: TEST_IMAGE, containerPort: 8080, command: ["sh", "-c", "mkdir -p /www && echo ok > /www/ping && exec httpd -f -p 8080 -h /www"] },
  cpu: "256", memory: "512",
};
const interrupted = (b: BerthProcess) => b.logLines.some((l) => l.msg === "express gateway service: finishing what a restart interrupted" && l.state === "CREATING");

/** Nothing of the express service is left, through each API. */
async function assertNothingLeft(ecs: ECSClient, elb: ElasticLoadBalancingV2Client): Promise<void> {
  await assert.rejects(ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: "arn:aws:ecs:us-east-1:000000000000:service/default/shop" })), { name: "ResourceNotFoundException" });
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, [], "the shared load balancer made for it is gone");
  assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups, [], "its target groups are gone");
  assert.deepEqual((await ecs.send(new ListTaskDefinitionsCommand({ status: "ACTIVE" }))).taskDefinitionArns, [], "its task definition is deregistered");
  const clusters = (await ecs.send(new ListClustersCommand({}))).clusterArns!;
  if (clusters.length) assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "default" }))).serviceArns, [], "no ECS service is left running");
  assert.deepEqual(clusters, [], "the default cluster the create made is deleted again");
}

test("a kill -9 during CreateExpressGatewayService is undone at the next start; the name can be used again", async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ dataDir });
  // The create takes a moment (load balancer, listener, target groups, rule, service, scaling); a
  // kill -9 at one of these delays lands part-way. Each round either lands part-way (recovery undoes
  // it) or after the answer (the service is whole, and deleted before the next round).
  let undone = false;
  for (const delayMs of [300, 100, 600, 30, 900]) {
    const { ecs } = clients(berth);
    const pending = ecs.send(new CreateExpressGatewayServiceCommand(request)).then(() => true, () => false);
    await new Promise((r) => setTimeout(r, delayMs));
    await berth.kill9();
    const answered = await pending;
    berth = await BerthProcess.start({ dataDir });
    const after = clients(berth);
    if (interrupted(berth)) {
      assert.equal(answered, false, "a create recovery undid had not answered");
      await assertNothingLeft(after.ecs, after.elb);
      undone = true;
      break;
    }
    // Not interrupted: it finished before the kill and is whole; delete it for the next round.
    const described = await after.ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: "arn:aws:ecs:us-east-1:000000000000:service/default/shop" }));
    assert.equal(described.service!.status!.statusCode, "ACTIVE");
    await after.ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: described.service!.serviceArn }));
    assert.deepEqual((await after.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
  }
  assert.ok(undone, "one of the kills landed during the create");

  // The name is free again and the create works as usual.
  const { ecs, elb } = clients(berth);
  const created = (await ecs.send(new CreateExpressGatewayServiceCommand(request))).service!;
  assert.equal(created.status!.statusCode, "ACTIVE");
  assert.equal((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.length, 1);
  await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn }));
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
  elb.destroy();
});
