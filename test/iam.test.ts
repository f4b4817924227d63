import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as IAM from "@aws-sdk/client-iam";
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { BerthProcess, awsCli } from "./harness.js";
import { boto3Json } from "./boto3.js";

/**
 * IAM and STS as ECS users drive them, with strict SigV4: the scenario verbatim with the
 * AWS CLI, policy document errors, managed policies and versions, instance profiles, users whose
 * access keys then sign calls, AssumeRole with trust policies that allow and refuse, session
 * credentials (with and without their token), SDK v3 and boto3.
 */

const run = promisify(execFile);
const ROOT: [string, string] = ["AKIDROOT", "root-secret"];
const ACCOUNT = "000000000000";
type Creds = [string, string, string?];

const trustEcsTasks = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] };
const s3read = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::bucket/*" }] };

/** The AWS CLI with these credentials; resolves with its JSON, or rejects with its stderr. */
async function cli(endpoint: string, creds: Creds, ...args: string[]) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1", AWS_DEFAULT_REGION: "us-east-1", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
  [env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY] = creds;
  if (creds[2]) env.AWS_SESSION_TOKEN = creds[2];
  const { stdout } = await run(awsCli, [...args, "--endpoint-url", endpoint, "--output", "json"], { env });
  return stdout.trim() ? JSON.parse(stdout) : {};
}

async function cliError(endpoint: string, creds: Creds, ...args: string[]): Promise<string> {
  try {
    await cli(endpoint, creds, ...args);
  } catch (err) {
    return (err as { stderr: string }).stderr.trim();
  }
  assert.fail(`aws ${args.join(" ")} succeeded`);
}

const clientConfig = (endpoint: string, [accessKeyId, secretAccessKey, sessionToken]: Creds) =>
  ({ endpoint, region: "us-east-1", credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }, maxAttempts: 1 });

async function rejectsWith(p: Promise<unknown>, name: string, message?: string | RegExp) {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe("IAM and STS (strict SigV4)", () => {
  let berth: BerthProcess;
  let iam: IAM.IAMClient;
  let sts: STSClient;
  let dir: string;
  before(async () => {
    berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${ROOT[0]}:${ROOT[1]}`] });
    iam = new IAM.IAMClient(clientConfig(berth.endpoint, ROOT));
    sts = new STSClient(clientConfig(berth.endpoint, ROOT));
    dir = mkdtempSync(join(tmpdir(), "berth-iam-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await berth.dispose();
  });

  test("the issue's scenario with the AWS CLI: create-role from a file, put-role-policy, the documents as written", async () => {
    writeFileSync(join(dir, "ecs-tasks-trust.json"), JSON.stringify(trustEcsTasks));
    writeFileSync(join(dir, "p.json"), JSON.stringify(s3read));
    const created = await cli(berth.endpoint, ROOT, "iam", "create-role", "--role-name", "app", "--assume-role-policy-document", `file://${join(dir, "ecs-tasks-trust.json")}`);
    assert.equal(created.Role.Arn, `arn:aws:iam::${ACCOUNT}:role/app`);
    assert.match(created.Role.RoleId, /^AROA[A-Z2-7]{17}$/);
    assert.deepEqual(created.Role.AssumeRolePolicyDocument, trustEcsTasks);
    await cli(berth.endpoint, ROOT, "iam", "put-role-policy", "--role-name", "app", "--policy-name", "s3read", "--policy-document", `file://${join(dir, "p.json")}`);
    const got = await cli(berth.endpoint, ROOT, "iam", "get-role-policy", "--role-name", "app", "--policy-name", "s3read");
    assert.deepEqual(got, { RoleName: "app", PolicyName: "s3read", PolicyDocument: s3read });
    assert.deepEqual((await cli(berth.endpoint, ROOT, "iam", "list-role-policies", "--role-name", "app")).PolicyNames, ["s3read"]);
    const role = await cli(berth.endpoint, ROOT, "iam", "get-role", "--role-name", "APP");
    assert.equal(role.Role.RoleName, "app", "role names are case-insensitive");
    assert.equal(role.Role.MaxSessionDuration, 3600);
    // SDK v3 gets the documents URL-encoded, as from AWS.
    const sdkRole = await iam.send(new IAM.GetRoleCommand({ RoleName: "app" }));
    assert.deepEqual(JSON.parse(decodeURIComponent(sdkRole.Role!.AssumeRolePolicyDocument!)), trustEcsTasks);
  });

  test("policy documents are validated as IAM validates them, and a refused one changes nothing", async () => {
    const err = (doc: string, ...args: string[]) => cliError(berth.endpoint, ROOT, "iam", ...args, doc);
    assert.match(await err("{oops", "create-role", "--role-name", "bad", "--assume-role-policy-document"), /MalformedPolicyDocument.*This policy contains invalid Json/);
    assert.match(await err(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] }), "create-role", "--role-name", "bad", "--assume-role-policy-document"),
      /MalformedPolicyDocument\) when calling the CreateRole operation.*: Missing required field Principal\./);
    assert.match(await err(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] }), "put-role-policy", "--role-name", "app", "--policy-name", "x", "--policy-document"),
      /Policy statement must contain resources\./);
    assert.match(await err(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] }), "create-policy", "--policy-name", "x", "--policy-document"),
      /Policy document should not specify a principal\./);
    await rejectsWith(iam.send(new IAM.GetRoleCommand({ RoleName: "bad" })), "NoSuchEntityException", "The role with name bad cannot be found.");
    await rejectsWith(iam.send(new IAM.CreateRoleCommand({ RoleName: "app", AssumeRolePolicyDocument: JSON.stringify(trustEcsTasks) })), "EntityAlreadyExistsException", "Role with name app already exists.");
    await rejectsWith(iam.send(new IAM.CreateRoleCommand({ RoleName: "short", AssumeRolePolicyDocument: JSON.stringify(trustEcsTasks), MaxSessionDuration: 600 })), "ValidationError");
  });

  test("managed policies: AWS's ECS policies exist, attach/detach, versions up to five, delete conflicts", async () => {
    const execution = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    const aws = await iam.send(new IAM.GetPolicyCommand({ PolicyArn: execution }));
    assert.equal(aws.Policy?.PolicyName, "AmazonECSTaskExecutionRolePolicy");
    const v1 = await iam.send(new IAM.GetPolicyVersionCommand({ PolicyArn: execution, VersionId: "v1" }));
    assert.ok(JSON.parse(decodeURIComponent(v1.PolicyVersion!.Document!)).Statement[0].Action.includes("ecr:BatchGetImage"));
    await iam.send(new IAM.AttachRolePolicyCommand({ RoleName: "app", PolicyArn: execution }));

    const created = await iam.send(new IAM.CreatePolicyCommand({ PolicyName: "ecs-read", Path: "/team/", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecs:Describe*", Resource: "*" }] }) }));
    const arn = created.Policy!.Arn!;
    assert.equal(arn, `arn:aws:iam::${ACCOUNT}:policy/team/ecs-read`);
    assert.equal(created.Policy!.DefaultVersionId, "v1");
    await iam.send(new IAM.AttachRolePolicyCommand({ RoleName: "app", PolicyArn: arn }));
    const attached = await iam.send(new IAM.ListAttachedRolePoliciesCommand({ RoleName: "app" }));
    assert.deepEqual(attached.AttachedPolicies?.map((p) => p.PolicyArn).sort(), [arn, execution].sort());
    const entities = await iam.send(new IAM.ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    assert.deepEqual(entities.PolicyRoles?.map((r) => r.RoleName), ["app"]);

    for (let i = 2; i <= 5; i++) {
      const v: IAM.CreatePolicyVersionCommandOutput = await iam.send(new IAM.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: `ecs:List${i}*`, Resource: "*" }] }), SetAsDefault: i === 3 }));
      assert.equal(v.PolicyVersion?.VersionId, `v${i}`);
    }
    await rejectsWith(iam.send(new IAM.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: JSON.stringify(s3read) })), "LimitExceededException", /up to 5 versions/);
    assert.equal((await iam.send(new IAM.GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId, "v3");
    await rejectsWith(iam.send(new IAM.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v3" })), "DeleteConflictException", "Cannot delete the default version of a policy.");
    await iam.send(new IAM.SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: "v5" }));
    const versions = await iam.send(new IAM.ListPolicyVersionsCommand({ PolicyArn: arn }));
    assert.deepEqual(versions.Versions?.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId), ["v5"]);
    await rejectsWith(iam.send(new IAM.DeletePolicyCommand({ PolicyArn: arn })), "DeleteConflictException", "Cannot delete a policy attached to entities.");
    await rejectsWith(iam.send(new IAM.DeleteRoleCommand({ RoleName: "app" })), "DeleteConflictException", "Cannot delete entity, must delete policies first.");

    const local = await iam.send(new IAM.ListPoliciesCommand({ Scope: "Local" }));
    assert.deepEqual(local.Policies?.map((p) => [p.PolicyName, p.AttachmentCount]), [["ecs-read", 1]]);
    const awsOnes = await iam.send(new IAM.ListPoliciesCommand({ Scope: "AWS", MaxItems: 2 }));
    assert.equal(awsOnes.Policies?.length, 2);
    assert.equal(awsOnes.IsTruncated, true);
    const next = await iam.send(new IAM.ListPoliciesCommand({ Scope: "AWS", MaxItems: 100, Marker: awsOnes.Marker }));
    assert.ok(!next.Policies?.some((p) => awsOnes.Policies!.some((q) => q.Arn === p.Arn)), "the second page continues the first");
  });

  test("instance profiles and the ECS service-linked role", async () => {
    await iam.send(new IAM.CreateRoleCommand({ RoleName: "ecsInstanceRole", Path: "/ec2/", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }));
    await iam.send(new IAM.CreateInstanceProfileCommand({ InstanceProfileName: "ecsInstance" }));
    await iam.send(new IAM.AddRoleToInstanceProfileCommand({ InstanceProfileName: "ecsInstance", RoleName: "ecsInstanceRole" }));
    const profile = await iam.send(new IAM.GetInstanceProfileCommand({ InstanceProfileName: "ecsInstance" }));
    assert.deepEqual(profile.InstanceProfile?.Roles?.map((r) => r.Arn), [`arn:aws:iam::${ACCOUNT}:role/ec2/ecsInstanceRole`]);
    await rejectsWith(iam.send(new IAM.DeleteRoleCommand({ RoleName: "ecsInstanceRole" })), "DeleteConflictException", "Cannot delete entity, must remove roles from instance profile first.");
    await rejectsWith(iam.send(new IAM.DeleteInstanceProfileCommand({ InstanceProfileName: "ecsInstance" })), "DeleteConflictException");
    await iam.send(new IAM.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "ecsInstance", RoleName: "ecsInstanceRole" }));
    await iam.send(new IAM.DeleteInstanceProfileCommand({ InstanceProfileName: "ecsInstance" }));
    await iam.send(new IAM.DeleteRoleCommand({ RoleName: "ecsInstanceRole" }));
    assert.deepEqual((await iam.send(new IAM.ListRolesCommand({ PathPrefix: "/ec2/" }))).Roles, []);

    const linked = await cli(berth.endpoint, ROOT, "iam", "create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com");
    assert.equal(linked.Role.Arn, `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`);
    const again = await cliError(berth.endpoint, ROOT, "iam", "create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com");
    assert.match(again, /InvalidInput.*Service role name AWSServiceRoleForECS has been taken in this account/);
    const policies = await iam.send(new IAM.ListAttachedRolePoliciesCommand({ RoleName: "AWSServiceRoleForECS" }));
    assert.deepEqual(policies.AttachedPolicies?.map((p) => p.PolicyName), ["AmazonECSServiceRolePolicy"]);
    await rejectsWith(iam.send(new IAM.DeleteRoleCommand({ RoleName: "AWSServiceRoleForECS" })), "UnmodifiableEntityException");
  });

  test("a user's access key signs calls (SDK v3, boto3, the CLI); an inactive or deleted key does not", async () => {
    const user = await iam.send(new IAM.CreateUserCommand({ UserName: "alice" }));
    assert.match(user.User!.UserId!, /^AIDA[A-Z2-7]{17}$/);
    const { AccessKey: key } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: "alice" }));
    assert.match(key!.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
    const alice: Creds = [key!.AccessKeyId!, key!.SecretAccessKey!];
    const expected = { Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/alice`, UserId: user.User!.UserId };
    const me = await new STSClient(clientConfig(berth.endpoint, alice)).send(new GetCallerIdentityCommand({}));
    assert.deepEqual({ Account: me.Account, Arn: me.Arn, UserId: me.UserId }, expected);
    const viaBoto3 = await boto3Json(`
import json, sys, boto3
sts = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
r = sts.get_caller_identity()
print(json.dumps({k: r[k] for k in ("Account", "Arn", "UserId")}))`, berth.endpoint, alice[0], alice[1]);
    assert.deepEqual(viaBoto3, expected);
    assert.equal((await cli(berth.endpoint, alice, "iam", "get-user")).User.UserName, "alice", "GetUser without a name is the caller");
    await rejectsWith(new STSClient(clientConfig(berth.endpoint, [alice[0], "wrong"])).send(new GetCallerIdentityCommand({})), "SignatureDoesNotMatch");

    await iam.send(new IAM.UpdateAccessKeyCommand({ UserName: "alice", AccessKeyId: alice[0], Status: "Inactive" }));
    await rejectsWith(new STSClient(clientConfig(berth.endpoint, alice)).send(new GetCallerIdentityCommand({})), "InvalidClientTokenId");
    await iam.send(new IAM.UpdateAccessKeyCommand({ UserName: "alice", AccessKeyId: alice[0], Status: "Active" }));
    await rejectsWith(iam.send(new IAM.DeleteUserCommand({ UserName: "alice" })), "DeleteConflictException", "Cannot delete entity, must delete access keys first.");
    await iam.send(new IAM.CreateAccessKeyCommand({ UserName: "alice" }));
    await rejectsWith(iam.send(new IAM.CreateAccessKeyCommand({ UserName: "alice" })), "LimitExceededException", "Cannot exceed quota for AccessKeysPerUser: 2");
    const keys = await iam.send(new IAM.ListAccessKeysCommand({ UserName: "alice" }));
    assert.equal(keys.AccessKeyMetadata?.length, 2);
    await iam.send(new IAM.DeleteAccessKeyCommand({ UserName: "alice", AccessKeyId: alice[0] }));
    await rejectsWith(new STSClient(clientConfig(berth.endpoint, alice)).send(new GetCallerIdentityCommand({})), "InvalidClientTokenId");
  });

  test("AssumeRole: the trust policy decides; session credentials work with their token only; GetSessionToken", async () => {
    const trustRoot = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ["sts:AssumeRole", "sts:TagSession"] }] };
    const role = await iam.send(new IAM.CreateRoleCommand({ RoleName: "deployer", AssumeRolePolicyDocument: JSON.stringify(trustRoot), MaxSessionDuration: 7200 }));
    const roleArn = role.Role!.Arn!;

    // The ECS-tasks-only role refuses the account's callers, with AWS's message.
    await rejectsWith(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`, RoleSessionName: "me" })), "AccessDenied",
      `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/app`);
    await rejectsWith(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/none`, RoleSessionName: "me" })), "AccessDenied", /not authorized to perform: sts:AssumeRole/);
    await rejectsWith(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "me", DurationSeconds: 10800 })), "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    await rejectsWith(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "bad name!" })), "ValidationError");

    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "ci", DurationSeconds: 900, Tags: [{ Key: "team", Value: "infra" }] }));
    assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`);
    assert.equal(assumed.AssumedRoleUser?.AssumedRoleId, `${role.Role!.RoleId}:ci`);
    const c = assumed.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    const seconds = (c.Expiration!.getTime() - Date.now()) / 1000;
    assert.ok(seconds > 800 && seconds <= 900, `expires in ${seconds}s`);
    const session: Creds = [c.AccessKeyId!, c.SecretAccessKey!, c.SessionToken!];
    const asRole = await cli(berth.endpoint, session, "sts", "get-caller-identity");
    assert.deepEqual(asRole, { UserId: `${role.Role!.RoleId}:ci`, Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci` });
    const withoutToken = await cliError(berth.endpoint, [session[0], session[1]], "sts", "get-caller-identity");
    assert.match(withoutToken, /InvalidClientTokenId.*The security token included in the request is invalid/);
    // A role session can assume the role again (role chaining), for at most an hour.
    const chained = new STSClient(clientConfig(berth.endpoint, session));
    await rejectsWith(chained.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "ci2", DurationSeconds: 7200 })), "ValidationError", /role chaining/);
    await rejectsWith(chained.send(new GetSessionTokenCommand({})), "AccessDenied");

    const fromBoto3 = await boto3Json<{ arn: string; who: string }>(`
import json, sys, boto3
sts = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
r = sts.assume_role(RoleArn=sys.argv[4], RoleSessionName="py")
c = r["Credentials"]
s = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
print(json.dumps({"arn": r["AssumedRoleUser"]["Arn"], "who": s.get_caller_identity()["Arn"]}))`, berth.endpoint, ROOT[0], ROOT[1], roleArn);
    assert.deepEqual(fromBoto3, { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/py`, who: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/py` });

    const token = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const rootSession: Creds = [token.Credentials!.AccessKeyId!, token.Credentials!.SecretAccessKey!, token.Credentials!.SessionToken!];
    assert.equal((await cli(berth.endpoint, rootSession, "sts", "get-caller-identity")).Arn, `arn:aws:iam::${ACCOUNT}:root`);
  });
});
