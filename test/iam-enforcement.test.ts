import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import * as IAM from "@aws-sdk/client-iam";
import {
  ECSClient, ListClustersCommand, CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, DescribeServicesCommand,
  ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, RunTaskCommand, DescribeTasksCommand,
} from "@aws-sdk/client-ecs";
import { ECRClient, CreateRepositoryCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { BerthProcess } from "./harness.js";
import { boto3Json } from "./boto3.js";

/**
 * iamEnforcement: calls signed by an IAM user or a role session are allowed only by its identity
 * policies (inline and attached), an explicit Deny winning; the root's are never refused.
 */

const ROOT = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
const ACCOUNT = "000000000000";
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const config = (endpoint: string, credentials: Creds) => ({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

async function rejectsWith(p: Promise<unknown>, name: string, message: string) {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    assert.equal(err.message, message);
    return true;
  });
}

describe("IAM policy enforcement", () => {
  let berth: BerthProcess;
  let iam: IAM.IAMClient;
  let bob: Creds;
  before(async () => {
    berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`, "--iam-enforcement"] });
    iam = new IAM.IAMClient(config(berth.endpoint, ROOT));
    await iam.send(new IAM.CreateUserCommand({ UserName: "bob" }));
    await iam.send(new IAM.PutUserPolicyCommand({ UserName: "bob", PolicyName: "ecs-read", PolicyDocument: doc([{ Effect: "Allow", Action: "ecs:List*", Resource: "*" }]) }));
    const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: "bob" }));
    bob = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  });
  after(async () => {
    await berth.dispose();
  });

  test("a user allowed ecs:List* lists clusters but may not create one (AWS JSON: AccessDeniedException)", async () => {
    const ecs = new ECSClient(config(berth.endpoint, bob));
    assert.deepEqual((await ecs.send(new ListClustersCommand({}))).clusterArns, []);
    await rejectsWith(ecs.send(new CreateClusterCommand({ clusterName: "dev" })), "AccessDeniedException",
      `User: arn:aws:iam::${ACCOUNT}:user/bob is not authorized to perform: ecs:CreateCluster on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/dev because no identity-based policy allows the ecs:CreateCluster action`);
    // The root is never refused, and the refused call changed nothing.
    const root = new ECSClient(config(berth.endpoint, ROOT));
    assert.deepEqual((await root.send(new ListClustersCommand({}))).clusterArns, []);
    await root.send(new CreateClusterCommand({ clusterName: "dev" }));
    assert.equal((await ecs.send(new ListClustersCommand({}))).clusterArns?.length, 1);
  });

  test("an attached managed policy allows; an explicit Deny wins over it; query services answer AccessDenied (boto3)", async () => {
    const ecsAll = await iam.send(new IAM.CreatePolicyCommand({ PolicyName: "ecs-all", PolicyDocument: doc([{ Effect: "Allow", Action: "ecs:*", Resource: "*" }]) }));
    await iam.send(new IAM.AttachUserPolicyCommand({ UserName: "bob", PolicyArn: ecsAll.Policy!.Arn! }));
    await iam.send(new IAM.PutUserPolicyCommand({ UserName: "bob", PolicyName: "no-delete", PolicyDocument: doc([{ Effect: "Deny", Action: "ecs:Delete*", Resource: "*" }]) }));
    const ecs = new ECSClient(config(berth.endpoint, bob));
    await ecs.send(new CreateClusterCommand({ clusterName: "bobs" }));
    await rejectsWith(ecs.send(new DeleteClusterCommand({ cluster: "bobs" })), "AccessDeniedException",
      `User: arn:aws:iam::${ACCOUNT}:user/bob is not authorized to perform: ecs:DeleteCluster on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/bobs with an explicit deny in an identity-based policy`);
    // IAM speaks awsQuery: AccessDenied, 403; the resource is the role the call names.
    const refused = await boto3Json(`
import json, sys, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
try:
    iam.get_role(RoleName="admin")
    print(json.dumps("allowed"))
except iam.exceptions.ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"]}))`,
      berth.endpoint, bob.accessKeyId, bob.secretAccessKey);
    assert.deepEqual(refused, {
      code: "AccessDenied", status: 403,
      message: `User: arn:aws:iam::${ACCOUNT}:user/bob is not authorized to perform: iam:GetRole on resource: arn:aws:iam::${ACCOUNT}:role/admin because no identity-based policy allows the iam:GetRole action`,
    });
    // GetCallerIdentity needs no permission.
    assert.equal((await new STSClient(config(berth.endpoint, bob)).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ACCOUNT}:user/bob`);
  });

  test("a role session has its role's permissions", async () => {
    const trust = doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }]);
    await iam.send(new IAM.CreateRoleCommand({ RoleName: "reader", AssumeRolePolicyDocument: trust }));
    await iam.send(new IAM.AttachRolePolicyCommand({ RoleName: "reader", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }));
    const assumed = await new STSClient(config(berth.endpoint, ROOT)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/reader`, RoleSessionName: "r1" }));
    const c = assumed.Credentials!;
    const ecs = new ECSClient(config(berth.endpoint, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
    assert.equal((await ecs.send(new ListClustersCommand({}))).clusterArns?.length, 2);
    await rejectsWith(ecs.send(new CreateClusterCommand({ clusterName: "nope" })), "AccessDeniedException",
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/r1 is not authorized to perform: ecs:CreateCluster on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/nope because no identity-based policy allows the ecs:CreateCluster action`);
  });

  /** A user with one inline policy, and an SDK client config signed with its key. */
  async function userWith(name: string, statements: object[]): Promise<Creds> {
    await iam.send(new IAM.CreateUserCommand({ UserName: name }));
    await iam.send(new IAM.PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: doc(statements) }));
    const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }
  const denial = (who: string, action: string, resource: string) =>
    `User: arn:aws:iam::${ACCOUNT}:user/${who} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  const ecsArn = (resource: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:${resource}`;

  test("ECS and ECR actions are authorized on the resources they name (clusters, services, task definitions, repositories)", async () => {
    const root = new ECSClient(config(berth.endpoint, ROOT));
    await root.send(new CreateClusterCommand({ clusterName: "team-a" }));
    await root.send(new CreateClusterCommand({ clusterName: "team-b" }));
    await root.send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "w", image: "busybox", memory: 32 }] }));
    await root.send(new RegisterTaskDefinitionCommand({ family: "batch", containerDefinitions: [{ name: "b", image: "busybox", memory: 32 }] }));
    const carol = await userWith("carol", [
      { Effect: "Allow", Action: ["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:ListServices"], Resource: [ecsArn("cluster/team-a"), ecsArn("service/team-a/*")] },
      { Effect: "Allow", Action: "ecs:RunTask", Resource: ecsArn("task-definition/web:*") },
      { Effect: "Allow", Action: "ecr:*", Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-a/*` },
    ]);
    const ecs = new ECSClient(config(berth.endpoint, carol));
    assert.deepEqual((await ecs.send(new DescribeClustersCommand({ clusters: ["team-a"] }))).clusters?.map((c) => c.clusterName), ["team-a"]);
    // Every named resource must be allowed; the first refused is named.
    await rejectsWith(ecs.send(new DescribeClustersCommand({ clusters: ["team-a", "team-b"] })), "AccessDeniedException", denial("carol", "ecs:DescribeClusters", ecsArn("cluster/team-b")));
    assert.deepEqual((await ecs.send(new DescribeServicesCommand({ cluster: "team-a", services: ["api"] }))).failures?.map((f) => f.reason), ["MISSING"]);
    await rejectsWith(ecs.send(new DescribeServicesCommand({ cluster: "team-b", services: ["api"] })), "AccessDeniedException", denial("carol", "ecs:DescribeServices", ecsArn("service/team-b/api")));
    // RunTask on a family is authorized on its latest revision's ARN: allowed, it gets as far as
    // placement (the cluster has no instance), not a refusal.
    await assert.rejects(ecs.send(new RunTaskCommand({ cluster: "team-a", taskDefinition: "web" })), (e: Error) => e.name === "InvalidParameterException");
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster: "team-a", taskDefinition: "batch" })), "AccessDeniedException", denial("carol", "ecs:RunTask", ecsArn("task-definition/batch:1")));
    const ecr = new ECRClient(config(berth.endpoint, carol));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "team-a/api" }));
    await rejectsWith(ecr.send(new CreateRepositoryCommand({ repositoryName: "team-b/api" })), "AccessDeniedException", denial("carol", "ecr:CreateRepository", `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-b/api`));
    // Without names DescribeRepositories is about every repository.
    await rejectsWith(ecr.send(new DescribeRepositoriesCommand({})), "AccessDeniedException", denial("carol", "ecr:DescribeRepositories", `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`));
    assert.equal((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["team-a/api"] }))).repositories?.length, 1);
  });

  test("an ECS resource is evaluated as its own ARN however the caller spells it (partition, old-format ARN, family ARN)", async () => {
    const root = new ECSClient(config(berth.endpoint, ROOT));
    await root.send(new CreateClusterCommand({ clusterName: "spelled" }));
    await root.send(new RegisterTaskDefinitionCommand({ family: "spelled", containerDefinitions: [{ name: "s", image: "busybox", memory: 32 }] }));
    const erin = await userWith("erin", [
      { Effect: "Allow", Action: "ecs:*", Resource: "*" },
      { Effect: "Deny", Action: "ecs:*", Resource: [ecsArn("cluster/spelled"), ecsArn("service/spelled/*"), ecsArn("task/spelled/*"), ecsArn("task-definition/spelled:*")] },
    ]);
    const ecs = new ECSClient(config(berth.endpoint, erin));
    const denied = (action: string, resource: string) =>
      `User: arn:aws:iam::${ACCOUNT}:user/erin is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`;
    await rejectsWith(ecs.send(new DescribeClustersCommand({ clusters: [`arn:aws-cn:ecs:us-east-1:${ACCOUNT}:cluster/spelled`] })), "AccessDeniedException",
      denied("ecs:DescribeClusters", ecsArn("cluster/spelled")));
    await rejectsWith(ecs.send(new DescribeServicesCommand({ cluster: "spelled", services: [ecsArn("service/api")] })), "AccessDeniedException",
      denied("ecs:DescribeServices", ecsArn("service/spelled/api")));
    const id = "0123456789abcdef0123456789abcdef";
    await rejectsWith(ecs.send(new DescribeTasksCommand({ cluster: "spelled", tasks: [`arn:aws-us-gov:ecs:us-east-1:${ACCOUNT}:task/${id}`] })), "AccessDeniedException",
      denied("ecs:DescribeTasks", ecsArn(`task/spelled/${id}`)));
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster: "spelled", taskDefinition: ecsArn("task-definition/spelled") })), "AccessDeniedException",
      denied("ecs:RunTask", ecsArn("task-definition/spelled:1")));
  });

  test("aws:SourceIp is the caller's address; aws:RequestedRegion the region signed for", async () => {
    const dave = await userWith("dave", [
      { Effect: "Allow", Action: "ecs:ListClusters", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "127.0.0.0/8" }, StringEquals: { "aws:RequestedRegion": "us-east-1" } } },
      { Effect: "Allow", Action: "ecs:ListTaskDefinitions", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
    ]);
    assert.ok((await new ECSClient(config(berth.endpoint, dave)).send(new ListClustersCommand({}))).clusterArns!.length > 0);
    await rejectsWith(new ECSClient(config(berth.endpoint, dave)).send(new ListTaskDefinitionsCommand({})), "AccessDeniedException", denial("dave", "ecs:ListTaskDefinitions", "*"));
    await rejectsWith(new ECSClient({ ...config(berth.endpoint, dave), region: "eu-west-1" }).send(new ListClustersCommand({})), "AccessDeniedException",
      denial("dave", "ecs:ListClusters", "*"));
  });

  test("session tags and the role's tags are aws:PrincipalTag/<key>; aws:PrincipalArn is the role's ARN", async () => {
    const trust = doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ["sts:AssumeRole", "sts:TagSession"] }]);
    await iam.send(new IAM.CreateRoleCommand({ RoleName: "tagged", AssumeRolePolicyDocument: trust, Tags: [{ Key: "team", Value: "a" }] }));
    await iam.send(new IAM.PutRolePolicyCommand({
      RoleName: "tagged", PolicyName: "p", PolicyDocument: doc([
        { Effect: "Allow", Action: "ecs:ListClusters", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/project": "blue", "aws:PrincipalTag/team": "a" } } },
        { Effect: "Allow", Action: "ecs:ListTaskDefinitions", Resource: "*", Condition: { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/tagged` } } },
      ]),
    }));
    const assume = async (Tags?: { Key: string; Value: string }[]) => {
      const c = (await new STSClient(config(berth.endpoint, ROOT)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/tagged`, RoleSessionName: "s1", Tags }))).Credentials!;
      return new ECSClient(config(berth.endpoint, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
    };
    const blue = await assume([{ Key: "project", Value: "blue" }]);
    assert.ok(Array.isArray((await blue.send(new ListClustersCommand({}))).clusterArns));
    assert.ok(Array.isArray((await blue.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns));
    const red = await assume([{ Key: "project", Value: "red" }]);
    await rejectsWith(red.send(new ListClustersCommand({})), "AccessDeniedException",
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/tagged/s1 is not authorized to perform: ecs:ListClusters on resource: * because no identity-based policy allows the ecs:ListClusters action`);
    // A session tag overrides the role's tag of the same key.
    const otherTeam = await assume([{ Key: "project", Value: "blue" }, { Key: "Team", Value: "b" }]);
    await assert.rejects(otherTeam.send(new ListClustersCommand({})), (e: Error) => e.name === "AccessDeniedException");
  });
});
