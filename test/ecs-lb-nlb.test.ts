import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * The issue's "NLB to a TCP echo task": a Fargate service of busybox `nc -ll -p 7 -e` echo tasks
 * behind a network load balancer's TCP listener, all created with the AWS CLI. The targets are
 * the tasks' IPs on port 7, TCP health checked; clients that half-close after sending (as
 * `echo hi | nc`) get their bytes back through the NLB from both tasks. Health checks run 10x
 * faster than configured.
 */
let berth: BerthProcess;
let ecs: ECSClient;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "10"] });
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
});
after(async () => {
  await berth?.dispose();
});

/** One TCP conversation through the NLB: send, half-close, read until the target closes. */
function echo(host: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: 7 }, () => socket.end(text));
    let got = "";
    socket.setEncoding("utf8").on("data", (d) => (got += d)).on("close", () => resolve(got)).on("error", reject);
  });
}

test("an NLB TCP listener forwards to a Fargate service's echo tasks, registered by IP and port 7 and TCP health checked", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "echo", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [{
      name: "echo", image: TEST_IMAGE, essential: true, stopTimeout: 1,
      // Each connection gets the task's hostname, then its own bytes back.
      entryPoint: ["nc"], command: ["-ll", "-p", "7", "-e", "sh", "-c", "hostname; exec cat"],
      portMappings: [{ containerPort: 7, protocol: "tcp" }],
    }],
  }));
  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "echo", "--type", "network", "--subnets", "subnet-a")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg: string = (await berth.aws("elbv2", "create-target-group", "--name", "echo", "--protocol", "TCP", "--port", "7", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0].TargetGroupArn;
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=1");
  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "TCP", "--port", "7", "--default-actions", `Type=forward,TargetGroupArn=${tg}`);
  await berth.aws("ecs", "create-service", "--service-name", "echo", "--task-definition", "echo", "--desired-count", "2", "--launch-type", "FARGATE",
    "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1]}", "--load-balancers", `targetGroupArn=${tg},containerName=echo,containerPort=7`);

  const healthy = await waitFor("two healthy targets", async () => {
    const d = (await berth.aws("elbv2", "describe-target-health", "--target-group-arn", tg)).TargetHealthDescriptions;
    return d.length === 2 && d.every((x: any) => x.TargetHealth.State === "healthy") ? d : undefined;
  }, 90_000);
  const taskArns = (await ecs.send(new ListTasksCommand({ serviceName: "echo" }))).taskArns!;
  const tasks = (await ecs.send(new DescribeTasksCommand({ tasks: taskArns }))).tasks!;
  const ips = tasks.map((t) => t.attachments![0]!.details!.find((x) => x.name === "privateIPv4Address")!.value!);
  assert.deepEqual(healthy.map((d: any) => `${d.Target.Id}:${d.Target.Port}`).sort(), ips.map((ip) => `${ip}:7`).sort());

  // Round robin: the first line names the task (its hostname), the rest is what was sent.
  const hosts = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const [host, ...rest] = (await echo(address, `hello ${i}\n`)).split("\n");
    assert.equal(rest.join("\n"), `hello ${i}\n`);
    hosts.add(host!);
  }
  assert.equal(hosts.size, 2, `both tasks answered: ${[...hosts].join(", ")}`);

  await ecs.send(new DeleteServiceCommand({ service: "echo", force: true }));
  await waitFor("echo INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["echo"] }))).services![0]!.status === "INACTIVE", 60_000);
  assert.deepEqual((await berth.aws("elbv2", "describe-target-health", "--target-group-arn", tg)).TargetHealthDescriptions, []);
});
