import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateExpressGatewayServiceCommand, DescribeExpressGatewayServiceCommand, ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";
import { IAMClient, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { BerthProcess } from "./harness.js";

/** With iamEnforcement, the roles an express service names must exist; refused requests make nothing. */
let berth: BerthProcess;
let ecs: ECSClient;
let iam: IAMClient;

before(async () => {
  berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", "AKIDROOT:root-secret", "--iam-enforcement"] });
  ecs = new ECSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" }, maxAttempts: 1 });
  iam = new IAMClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" }, maxAttempts: 1 });
});
after(async () => {
  ecs?.destroy();
  iam?.destroy();
  await berth?.dispose();
});

const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] });

test("the execution and infrastructure roles must exist when iamEnforcement is on", async () => {
  const request = (executionRoleArn: string, infrastructureRoleArn: string, cluster?: string) => new CreateExpressGatewayServiceCommand({
    serviceName: "api", executionRoleArn, infrastructureRoleArn, primaryContainer: { image: "berth-test/busybox:latest" }, ...(cluster ? { cluster } : {}),
  });
  const exec = "arn:aws:iam::000000000000:role/exec";
  const infra = "arn:aws:iam::000000000000:role/infra";
  await assert.rejects(ecs.send(request(exec, infra)), (err: Error) => err.name === "InvalidParameterException" && /executionRoleArn 'arn:aws:iam::000000000000:role\/exec' does not exist/.test(err.message));

  const made = await iam.send(new CreateRoleCommand({ RoleName: "exec", AssumeRolePolicyDocument: TRUST }));
  assert.equal(made.Role!.Arn, exec);
  await assert.rejects(ecs.send(request(exec, infra)), (err: Error) => err.name === "InvalidParameterException" && /infrastructureRoleArn 'arn:aws:iam::000000000000:role\/infra' does not exist/.test(err.message));
  assert.deepEqual((await ecs.send(new ListClustersCommand({}))).clusterArns, [], "a refused request made no cluster");

  await iam.send(new CreateRoleCommand({ RoleName: "infra", AssumeRolePolicyDocument: TRUST }));
  // Both roles exist: the request gets past them, to the cluster it names.
  await assert.rejects(ecs.send(request(exec, infra, "nowhere")), (err: Error) => err.name === "ClusterNotFoundException");
});

test("identity policies scope the express operations by the service's ARN", async () => {
  await iam.send(new CreateUserCommand({ UserName: "dev" }));
  await iam.send(new PutUserPolicyCommand({
    UserName: "dev", PolicyName: "one-service", PolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "ecs:DescribeExpressGatewayService", Resource: "arn:aws:ecs:us-east-1:000000000000:service/default/allowed" }],
    }),
  }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "dev" }))).AccessKey!;
  const dev = new ECSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, maxAttempts: 1 });
  try {
    await assert.rejects(dev.send(new DescribeExpressGatewayServiceCommand({ serviceArn: "arn:aws:ecs:us-east-1:000000000000:service/default/other" })), (err: Error) => err.name === "AccessDeniedException");
    // Allowed: the call reaches the handler, which finds no such service.
    await assert.rejects(dev.send(new DescribeExpressGatewayServiceCommand({ serviceArn: "arn:aws:ecs:us-east-1:000000000000:service/default/allowed" })), (err: Error) => err.name === "ResourceNotFoundException");
  } finally {
    dev.destroy();
  }
});
