import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ClientException, DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand,
  InvalidParameterException, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand,
  ECSClient, type ContainerDefinition, type ListTaskDefinitionFamiliesCommandInput, type ListTaskDefinitionsCommandInput,
  type RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import * as IAM from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { BerthProcess } from "./harness.js";

let berth: BerthProcess;
let ecs: ECSClient;
before(async () => {
  berth = await BerthProcess.start();
  ecs = berth.ecs();
});
after(async () => {
  await berth.dispose();
});

const ACCOUNT = "000000000000";
const arn = (family: string, revision: number, region = "us-east-1") => `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/${family}:${revision}`;
const sleeper: ContainerDefinition = { name: "sleep", image: "busybox", memory: 32, command: ["sleep", "360"] };
const register = (input: Partial<RegisterTaskDefinitionCommandInput> & { family: string }, client = ecs) =>
  client.send(new RegisterTaskDefinitionCommand({ containerDefinitions: [sleeper], ...input }));

/** Asserts that a call fails with this exception class and message. */
async function rejectsWith(p: Promise<unknown>, type: typeof ClientException | typeof InvalidParameterException, message: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

async function arns(input: ListTaskDefinitionsCommandInput = {}, client = ecs) {
  return (await client.send(new ListTaskDefinitionsCommand(input))).taskDefinitionArns ?? [];
}

test("RegisterTaskDefinition stores and echoes the whole definition, with ECS's defaults", async () => {
  const before = new Date();
  const { taskDefinition: td, tags } = await ecs.send(new RegisterTaskDefinitionCommand({
    family: "full",
    taskRoleArn: "arn:aws:iam::000000000000:role/app",
    executionRoleArn: "arn:aws:iam::000000000000:role/exec",
    pidMode: "task",
    ipcMode: "none",
    volumes: [{ name: "data", host: { sourcePath: "/tmp/berth-data" } }, { name: "cache", dockerVolumeConfiguration: { scope: "task", driver: "local" } }, { name: "scratch" }],
    containerDefinitions: [
      {
        name: "web", image: "busybox:1.36", cpu: 64, memory: 128, memoryReservation: 64,
        entryPoint: ["sh", "-c"], command: ["httpd -f -p 8080"], workingDirectory: "/srv", user: "1000",
        readonlyRootFilesystem: true, environment: [{ name: "MODE", value: "prod" }],
        portMappings: [{ containerPort: 8080 }], ulimits: [{ name: "nofile", softLimit: 1024, hardLimit: 4096 }],
        healthCheck: { command: ["CMD-SHELL", "wget -q -O- localhost:8080"] }, links: ["sidecar:side"], hostname: "web",
        dependsOn: [{ containerName: "init", condition: "SUCCESS" }], startTimeout: 30, stopTimeout: 5,
        dockerLabels: { team: "core" }, mountPoints: [{ sourceVolume: "data", containerPath: "/data", readOnly: true }],
        volumesFrom: [{ sourceContainer: "sidecar", readOnly: true }],
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/app", "awslogs-region": "us-east-1" } },
        secrets: [{ name: "TOKEN", valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/token" }],
        environmentFiles: [{ type: "s3", value: "arn:aws:s3:::bucket/app.env" }],
      },
      { name: "sidecar", image: "busybox", memoryReservation: 16, essential: true, mountPoints: [{ sourceVolume: "cache", containerPath: "/cache" }] },
      { name: "init", image: "busybox", memory: 16, essential: false, command: ["true"] },
    ],
    tags: [{ key: "team", value: "core" }],
  }));
  assert.ok(td);
  assert.equal(td.taskDefinitionArn, arn("full", 1));
  assert.equal(td.family, "full");
  assert.equal(td.revision, 1);
  assert.equal(td.status, "ACTIVE");
  assert.equal(td.networkMode, undefined, "ECS leaves networkMode out when it was not given (bridge)");
  assert.deepEqual(td.compatibilities, ["EXTERNAL", "EC2"]);
  assert.equal(td.registeredBy, "arn:aws:iam::000000000000:root");
  assert.ok(td.registeredAt instanceof Date && td.registeredAt.getTime() >= before.getTime() - 1000);
  assert.equal(td.taskRoleArn, "arn:aws:iam::000000000000:role/app");
  assert.equal(td.pidMode, "task");
  assert.equal(td.ipcMode, "none");
  assert.deepEqual(td.placementConstraints, []);
  assert.equal(td.volumes?.length, 3);
  assert.deepEqual(tags, [{ key: "team", value: "core" }]);
  const names = td.requiresAttributes?.map((a) => a.name) ?? [];
  for (const n of ["com.amazonaws.ecs.capability.task-iam-role", "ecs.capability.container-health-check", "ecs.capability.container-ordering",
    "com.amazonaws.ecs.capability.logging-driver.awslogs", "ecs.capability.execution-role-awslogs"]) assert.ok(names.includes(n), n);

  const web = td.containerDefinitions?.find((c) => c.name === "web");
  assert.deepEqual(web?.portMappings, [{ containerPort: 8080, hostPort: 0, protocol: "tcp" }]);
  assert.deepEqual(web?.healthCheck, { command: ["CMD-SHELL", "wget -q -O- localhost:8080"], interval: 30, timeout: 5, retries: 3 });
  assert.deepEqual(web?.ulimits, [{ name: "nofile", softLimit: 1024, hardLimit: 4096 }]);
  assert.deepEqual(web?.dependsOn, [{ containerName: "init", condition: "SUCCESS" }]);
  assert.deepEqual(web?.secrets, [{ name: "TOKEN", valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/token" }]);
  assert.deepEqual(web?.environmentFiles, [{ type: "s3", value: "arn:aws:s3:::bucket/app.env" }]);
  assert.equal(web?.logConfiguration?.options?.["awslogs-group"], "/app");
  assert.equal(web?.readonlyRootFilesystem, true);
  assert.equal(web?.stopTimeout, 5);
  const init = td.containerDefinitions?.find((c) => c.name === "init");
  assert.equal(init?.essential, false);
  const sidecar = td.containerDefinitions?.find((c) => c.name === "sidecar");
  assert.equal(sidecar?.cpu, 0);
  assert.deepEqual(sidecar?.environment, []);
  assert.deepEqual(sidecar?.volumesFrom, []);

  // What Describe returns is what Register returned.
  const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "full:1", include: ["TAGS"] }));
  assert.deepEqual(described.taskDefinition, td);
  assert.deepEqual(described.tags, [{ key: "team", value: "core" }]);
  const untagged = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "full" }));
  assert.equal(untagged.tags, undefined);
});

test("registeredBy is the caller's ARN: the IAM user's, or the role session's assumed-role ARN", async () => {
  const root = { accessKeyId: "test", secretAccessKey: "test" };
  const config = { endpoint: berth.endpoint, region: "us-east-1", maxAttempts: 1 };
  const iam = new IAM.IAMClient({ ...config, credentials: root });
  await iam.send(new IAM.CreateUserCommand({ UserName: "deployer" }));
  const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: "deployer" }));
  const asUser = new ECSClient({ ...config, credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! } });
  const byUser = (await register({ family: "registered-by" }, asUser)).taskDefinition!;
  assert.equal(byUser.registeredBy, `arn:aws:iam::${ACCOUNT}:user/deployer`);

  await iam.send(new IAM.CreateRoleCommand({
    RoleName: "ci", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }] }),
  }));
  const { Credentials } = await new STSClient({ ...config, credentials: root }).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/ci`, RoleSessionName: "build-7" }));
  const asSession = new ECSClient({ ...config, credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! } });
  const bySession = (await register({ family: "registered-by" }, asSession)).taskDefinition!;
  assert.equal(bySession.registeredBy, `arn:aws:sts::${ACCOUNT}:assumed-role/ci/build-7`);
  // What was recorded is what DescribeTaskDefinition reads back.
  const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "registered-by:1" }));
  assert.equal(described.taskDefinition?.registeredBy, `arn:aws:iam::${ACCOUNT}:user/deployer`);
});

test("revisions count up per family and are never reused, even after deletion", async () => {
  for (let i = 1; i <= 3; i++) assert.equal((await register({ family: "rev" })).taskDefinition?.revision, i);
  assert.equal((await register({ family: "rev-other" })).taskDefinition?.revision, 1);
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "rev:3" }));
  const deleted = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ["rev:3"] }));
  assert.equal(deleted.taskDefinitions?.[0]?.status, "DELETE_IN_PROGRESS");
  assert.equal((await register({ family: "rev" })).taskDefinition?.taskDefinitionArn, arn("rev", 4));
});

test("DescribeTaskDefinition takes a family (latest ACTIVE), family:revision or ARN", async () => {
  await register({ family: "desc", containerDefinitions: [{ ...sleeper, command: ["one"] }] });
  await register({ family: "desc", containerDefinitions: [{ ...sleeper, command: ["two"] }] });
  await register({ family: "desc", containerDefinitions: [{ ...sleeper, command: ["three"] }] });
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "desc:3" }));
  const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "desc" }));
  assert.equal(latest.taskDefinition?.revision, 2, "the latest ACTIVE revision, not the latest one");
  assert.deepEqual(latest.taskDefinition?.containerDefinitions?.[0]?.command, ["two"]);
  const inactive = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn("desc", 3) }));
  assert.equal(inactive.taskDefinition?.status, "INACTIVE");
  assert.ok(inactive.taskDefinition?.deregisteredAt instanceof Date);
  assert.deepEqual(inactive.taskDefinition?.containerDefinitions?.[0]?.command, ["three"]);
  for (const ref of ["desc:9", "missing", arn("desc", 1, "eu-west-1"), "bad name", "desc:0"]) {
    await rejectsWith(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref })), ClientException, "Unable to describe task definition.");
  }
});

test("task-level cpu and memory accept ECS's forms and are returned as numbers", async () => {
  const { taskDefinition: td } = await register({
    family: "fargate", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "1 vCPU", memory: "2 GB",
    containerDefinitions: [{ name: "app", image: "busybox", portMappings: [{ containerPort: 80 }] }],
  });
  assert.equal(td?.cpu, "1024");
  assert.equal(td?.memory, "2048");
  assert.equal(td?.networkMode, "awsvpc");
  assert.deepEqual(td?.requiresCompatibilities, ["FARGATE"]);
  assert.deepEqual(td?.compatibilities, ["EC2", "FARGATE"]);
  assert.deepEqual(td?.containerDefinitions?.[0]?.portMappings, [{ containerPort: 80, hostPort: 80, protocol: "tcp" }]);
  // An awsvpc definition that fits Fargate is Fargate-compatible without asking for it.
  const ec2 = await register({ family: "vpc", networkMode: "awsvpc", cpu: "512", memory: "1024" });
  assert.deepEqual(ec2.taskDefinition?.compatibilities, ["EC2", "FARGATE"]);
});

test("invalid definitions get ECS's exceptions and change nothing", async () => {
  await register({ family: "strict" });
  const cases: Array<[Partial<RegisterTaskDefinitionCommandInput>, typeof ClientException | typeof InvalidParameterException, string]> = [
    [{ containerDefinitions: [{ name: "c", memory: 32 }] }, ClientException, "Container.image should not be null or empty."],
    [{ containerDefinitions: [] }, ClientException, "Container list cannot be empty."],
    [{ containerDefinitions: [{ name: "c", image: "busybox" }] }, ClientException, "Invalid setting for container 'c'. At least one of 'memory' or 'memoryReservation' must be specified."],
    [{ containerDefinitions: [sleeper, sleeper] }, ClientException, "Container names must be unique within a Task Definition."],
    [{ containerDefinitions: [{ ...sleeper, essential: false }] }, ClientException, "Task definition doesn't have any essential container."],
    [{ networkMode: "awsvpc", containerDefinitions: [{ ...sleeper, portMappings: [{ containerPort: 80, hostPort: 81 }] }] }, ClientException,
      "When networkMode=awsvpc, the host ports and container ports in port mappings must match."],
    [{ containerDefinitions: [{ ...sleeper, mountPoints: [{ sourceVolume: "nope", containerPath: "/x" }] }] }, ClientException, "Unknown volume 'nope'."],
    [{ requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "4096" }, ClientException,
      "No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values."],
    [{ requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512" }, ClientException, "Fargate only supports network mode ‘awsvpc’."],
    [{ cpu: "" }, InvalidParameterException, "Invalid 'cpu' setting for task."],
    [{ tags: [{ key: "aws:owner", value: "x" }] }, InvalidParameterException, "Tag keys must not begin with 'aws:', which is reserved for AWS use."],
  ];
  for (const [input, type, message] of cases) await rejectsWith(register({ family: "strict", ...input }), type, message);
  await rejectsWith(register({ family: "no/slash" }), ClientException, "Family contains invalid characters.");
  assert.deepEqual(await arns({ familyPrefix: "strict" }), [arn("strict", 1)]);
  assert.equal((await register({ family: "strict" })).taskDefinition?.revision, 2, "failed registrations used no revision");
});

test("ListTaskDefinitions filters by family and status, sorts and pages", async () => {
  const ecsEu = berth.ecs("eu-central-1");
  for (const f of ["list-b", "list-a", "list-b", "list-a", "list-a"]) await register({ family: f }, ecsEu);
  await ecsEu.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "list-a:2" }));
  const eu = (f: string, r: number) => arn(f, r, "eu-central-1");
  assert.deepEqual(await arns({}, ecsEu), [eu("list-a", 1), eu("list-a", 3), eu("list-b", 1), eu("list-b", 2)]);
  assert.deepEqual(await arns({ sort: "DESC" }, ecsEu), [eu("list-b", 2), eu("list-b", 1), eu("list-a", 3), eu("list-a", 1)]);
  assert.deepEqual(await arns({ familyPrefix: "list-a" }, ecsEu), [eu("list-a", 1), eu("list-a", 3)]);
  assert.deepEqual(await arns({ familyPrefix: "list-" }, ecsEu), [], "familyPrefix is the full family name");
  assert.deepEqual(await arns({ status: "INACTIVE" }, ecsEu), [eu("list-a", 2)]);
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecsEu.send(new ListTaskDefinitionsCommand({ maxResults: 3, nextToken }));
    assert.ok((page.taskDefinitionArns?.length ?? 0) <= 3);
    seen.push(...(page.taskDefinitionArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(seen, await arns({}, ecsEu));
  await rejectsWith(ecsEu.send(new ListTaskDefinitionsCommand({ maxResults: 101 })), InvalidParameterException, "maxResults must be between 1 and 100.");
  assert.deepEqual(await arns({}, berth.ecs("eu-central-1", "111122223333")), [], "other accounts see nothing");
});

test("ListTaskDefinitionFamilies: ACTIVE, INACTIVE and ALL as ECS defines them", async () => {
  const c = berth.ecs("ap-southeast-2");
  await register({ family: "fam-live" }, c);
  await register({ family: "fam-live" }, c);
  await register({ family: "fam-dead" }, c);
  await register({ family: "other" }, c);
  await c.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "fam-live:1" }));
  await c.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "fam-dead:1" }));
  const families = async (input: ListTaskDefinitionFamiliesCommandInput) =>
    (await c.send(new ListTaskDefinitionFamiliesCommand(input))).families;
  assert.deepEqual(await families({}), ["fam-dead", "fam-live", "other"]);
  assert.deepEqual(await families({ status: "ACTIVE" }), ["fam-live", "other"]);
  assert.deepEqual(await families({ status: "INACTIVE" }), ["fam-dead"]);
  assert.deepEqual(await families({ familyPrefix: "fam-" }), ["fam-dead", "fam-live"]);
  const first = await c.send(new ListTaskDefinitionFamiliesCommand({ maxResults: 2 }));
  assert.deepEqual(first.families, ["fam-dead", "fam-live"]);
  const second = await c.send(new ListTaskDefinitionFamiliesCommand({ maxResults: 2, nextToken: first.nextToken }));
  assert.deepEqual(second.families, ["other"]);
  assert.equal(second.nextToken, undefined);
});

test("DeregisterTaskDefinition marks a revision INACTIVE and needs an explicit revision", async () => {
  await register({ family: "dereg" });
  const { taskDefinition } = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn("dereg", 1) }));
  assert.equal(taskDefinition?.status, "INACTIVE");
  assert.ok(taskDefinition?.deregisteredAt instanceof Date);
  const again = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "dereg:1" }));
  assert.equal(again.taskDefinition?.deregisteredAt?.getTime(), taskDefinition?.deregisteredAt?.getTime());
  assert.deepEqual(await arns({ familyPrefix: "dereg" }), []);
  await rejectsWith(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "dereg" })), ClientException, "Unable to describe task definition.");
  await rejectsWith(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "dereg" })), ClientException, "Revision is missing.");
  await rejectsWith(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "dereg:7" })), ClientException, "The specified task definition does not exist.");
});

test("DeleteTaskDefinitions deletes only INACTIVE revisions and reports the rest as failures", async () => {
  await register({ family: "del" });
  await register({ family: "del" });
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "del:1" }));
  const out = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ["del:1", "del:2", "del:5", "del"] }));
  assert.equal(out.taskDefinitions?.length, 1);
  assert.equal(out.taskDefinitions?.[0]?.taskDefinitionArn, arn("del", 1));
  assert.equal(out.taskDefinitions?.[0]?.status, "DELETE_IN_PROGRESS");
  assert.ok(out.taskDefinitions?.[0]?.deleteRequestedAt instanceof Date);
  assert.deepEqual(out.failures, [
    { arn: arn("del", 2), reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again." },
    { arn: arn("del", 5), reason: "The specified task definition does not exist. Specify a valid account, family, revision and try again." },
    { arn: "del", reason: "The specified task definition identifier is invalid. Specify a valid name or ARN and try again." },
  ]);
  assert.deepEqual(await arns({ status: "DELETE_IN_PROGRESS", familyPrefix: "del" }), [arn("del", 1)]);
  assert.deepEqual(await arns({ status: "INACTIVE", familyPrefix: "del" }), []);
  await rejectsWith(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "del:1" })), ClientException,
    "The task definition could not be deregistered because it is in the process of being deleted.");
  const eleven = Array.from({ length: 11 }, (_, i) => `del:${i + 1}`);
  await rejectsWith(ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: eleven })), InvalidParameterException, "taskDefinitions can have at most 10 items.");
});

test("the AWS CLI registers from --cli-input-json and reads it back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-td-"));
  try {
    const file = join(dir, "sleep360.json");
    writeFileSync(file, JSON.stringify({
      family: "sleep360",
      containerDefinitions: [{ name: "sleep", image: "busybox", cpu: 10, memory: 10, essential: true, command: ["sleep", "360"] }],
      tags: [{ key: "via", value: "cli" }],
    }));
    const out = await berth.aws("ecs", "register-task-definition", "--cli-input-json", `file://${file}`);
    assert.equal(out.taskDefinition.taskDefinitionArn, arn("sleep360", 1));
    assert.equal(out.taskDefinition.status, "ACTIVE");
    assert.deepEqual(out.taskDefinition.compatibilities, ["EXTERNAL", "EC2"]);
    assert.deepEqual(out.taskDefinition.containerDefinitions, [
      { name: "sleep", image: "busybox", cpu: 10, memory: 10, portMappings: [], essential: true, command: ["sleep", "360"],
        environment: [], mountPoints: [], volumesFrom: [], systemControls: [] },
    ]);
    assert.deepEqual(out.tags, [{ key: "via", value: "cli" }]);
    const described = await berth.aws("ecs", "describe-task-definition", "--task-definition", "sleep360", "--include", "TAGS");
    assert.equal(described.taskDefinition.revision, 1);
    assert.deepEqual(described.tags, [{ key: "via", value: "cli" }]);
    const families = await berth.aws("ecs", "list-task-definition-families", "--family-prefix", "sleep");
    assert.deepEqual(families.families, ["sleep360"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
