import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
  UpdateServiceCommand, type ContainerDefinition, type ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import {
  ElasticLoadBalancingV2Client, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand, ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { httpGet, waitFor } from "./wait.js";

/**
 * An awsvpc Fargate service behind an ALB, with real containers and real health checks: the
 * service's tasks serve traffic through the load balancer once their targets are healthy, and a
 * rolling deployment to a revision that never passes its health checks is stopped task by task
 * ("Task failed ELB health checks in ...") after the grace period, trips the circuit breaker and
 * rolls back, while the load balancer keeps answering from the old tasks. Health checks run 10x
 * faster than configured (an interval of 5 s is checked every 0.5 s).
 */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

/** busybox httpd on 8080 answering its hostname on /, and "ok" on /health only when `healthy`. */
const web = (healthy: boolean): ContainerDefinition => ({
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1,
  entryPoint: ["sh", "-c"],
  command: [`mkdir -p /www && ${healthy ? "echo ok > /www/health && " : ""}hostname > /www/index.html && exec httpd -f -p 8080 -h /www`],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "10"] });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});

async function tasksOf(name: string): Promise<Task[]> {
  const taskArns: string[] = [];
  for (const desiredStatus of ["RUNNING", "STOPPED"] as const) taskArns.push(...((await ecs.send(new ListTasksCommand({ serviceName: name, desiredStatus }))).taskArns ?? []));
  return taskArns.length ? (await ecs.send(new DescribeTasksCommand({ tasks: taskArns }))).tasks! : [];
}
const describe = async (name: string) => (await ecs.send(new DescribeServicesCommand({ services: [name] }))).services![0]!;

test("an ALB serves a Fargate service's healthy tasks; a deployment failing ELB health checks rolls back while traffic stays on the old tasks", async () => {
  const family = (healthy: boolean) => ({ family: "web", requiresCompatibilities: ["FARGATE" as const], networkMode: "awsvpc" as const, cpu: "256", memory: "512", containerDefinitions: [web(healthy)] });
  const good = (await ecs.send(new RegisterTaskDefinitionCommand(family(true)))).taskDefinition!.taskDefinitionArn!;
  const bad = (await ecs.send(new RegisterTaskDefinitionCommand(family(false)))).taskDefinition!.taskDefinitionArn!;

  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "web", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const tg = (await elb.send(new CreateTargetGroupCommand({
    Name: "web", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip",
    HealthCheckPath: "/health", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
  }))).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "1" }] }));
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }] }));

  await ecs.send(new CreateServiceCommand({
    serviceName: "web", taskDefinition: good, desiredCount: 2, launchType: "FARGATE", networkConfiguration: network, healthCheckGracePeriodSeconds: 3,
    loadBalancers: [{ targetGroupArn: tg, containerName: "web", containerPort: 8080 }],
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
  }));

  // Both targets healthy (which completes the first deployment: no 40-second wait behind a load
  // balancer), and the load balancer reaches both tasks.
  await waitFor("two healthy targets", async () => {
    const d = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions!;
    return d.length === 2 && d.every((x) => x.TargetHealth!.State === "healthy");
  });
  await waitFor("the first deployment completed", async () => (await describe("web")).deployments![0]!.rolloutState === "COMPLETED");
  const old = (await tasksOf("web")).filter((t) => t.lastStatus === "RUNNING");
  assert.equal(old.length, 2);
  const answers = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = await httpGet(`http://${address}/`);
    assert.equal(r?.status, 200, JSON.stringify(r));
    answers.add(r!.body.trim());
  }
  assert.equal(answers.size, 2, `both tasks answered: ${[...answers].join(", ")}`);

  // Traffic runs through the whole failed deployment and its rollback.
  let serving = true;
  const failures: string[] = [];
  let served = 0;
  const traffic = (async () => {
    while (serving) {
      const r = await httpGet(`http://${address}/`);
      if (r?.status !== 200 || !answers.has(r.body.trim())) failures.push(JSON.stringify(r));
      else served++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  await ecs.send(new UpdateServiceCommand({ service: "web", taskDefinition: bad }));
  const rolledBack = await waitFor("the rollback completed", async () => {
    const s = await describe("web");
    return s.deployments!.length === 1 && s.deployments![0]!.taskDefinition === good && s.deployments![0]!.rolloutState === "COMPLETED" ? s : undefined;
  }, 90_000);
  serving = false;
  await traffic;
  assert.deepEqual(failures, [], `${failures.length} of ${failures.length + served} requests failed or reached a new task`);
  assert.ok(served > 0);

  // The new tasks were stopped for their targets, after the grace period; the old ones never were.
  const tasks = await tasksOf("web");
  const stopped: Task[] = [];
  for (const t of tasks.filter((x) => x.taskDefinitionArn === bad)) {
    stopped.push(await waitFor(`${t.taskArn} STOPPED`, async () => (await ecs.send(new DescribeTasksCommand({ tasks: [t.taskArn!] }))).tasks!.find((x) => x.lastStatus === "STOPPED")));
  }
  // The breaker's three (at least) failed their health checks; a new task still in its grace
  // period when the rollback began is stopped by the rollback's scale-in instead.
  const failed = stopped.filter((s) => s.stoppedReason === `Task failed ELB health checks in (target-group ${tg})`);
  assert.ok(failed.length >= 3, `the breaker counted ${failed.length} tasks`);
  for (const s of stopped) {
    assert.equal(s.stopCode, "ServiceSchedulerInitiated");
    if (!failed.includes(s)) assert.match(s.stoppedReason ?? "", /^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);
  }
  for (const s of failed) assert.ok(s.stoppingAt!.getTime() - s.startedAt!.getTime() >= 3000, "stopped only after the 3 s grace period");
  assert.deepEqual(tasks.filter((t) => t.lastStatus === "RUNNING").map((t) => t.taskArn).sort(), old.map((t) => t.taskArn).sort());

  const events = rolledBack.events!.map((e) => e.message!);
  const id = failed[0]!.taskArn!.split("/").pop();
  assert.ok(events.includes(`(service web) (task ${id}) (port 8080) is unhealthy in (target-group ${tg}) due to (reason Health checks failed with these codes: [404]).`), events.join("\n"));
  const deploymentId = (await describe("web")).deployments![0]!.id;
  assert.ok(events.some((e) => /^\(service web\) \(deployment ecs-svc\/\d+\) deployment failed: tasks failed to start\.$/.test(e)), events.join("\n"));
  assert.ok(events.includes(`(service web) rolling back to deployment ${deploymentId}.`), events.join("\n"));

  await ecs.send(new DeleteServiceCommand({ service: "web", force: true }));
  await waitFor("web INACTIVE", async () => (await describe("web")).status === "INACTIVE", 60_000);
});
