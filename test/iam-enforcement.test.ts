import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import * as IAM from "@aws-sdk/client-iam";
import { ECSClient, ListClustersCommand, CreateClusterCommand, DeleteClusterCommand } from "@aws-sdk/client-ecs";
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
      `User: arn:aws:iam::${ACCOUNT}:user/bob is not authorized to perform: ecs:CreateCluster on resource: * because no identity-based policy allows the ecs:CreateCluster action`);
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
      `User: arn:aws:iam::${ACCOUNT}:user/bob is not authorized to perform: ecs:DeleteCluster on resource: * with an explicit deny in an identity-based policy`);
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
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/r1 is not authorized to perform: ecs:CreateCluster on resource: * because no identity-based policy allows the ecs:CreateCluster action`);
  });
});
