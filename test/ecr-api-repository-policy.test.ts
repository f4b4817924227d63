import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as IAM from "@aws-sdk/client-iam";
import { ECRClient, BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, ListImagesCommand, SetRepositoryPolicyCommand } from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { refusal } from "./failure.js";

/**
 * The ECR API (SDK calls, not the registry's /v2) under iamEnforcement: a call on a repository is
 * decided by the caller's identity policies and the repository's policy together, as IAM
 * evaluates a same-account request: either may allow it, an explicit Deny in either refuses it.
 */

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const ROOT = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
type Creds = { accessKeyId: string; secretAccessKey: string };
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const repoArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

let berth: BerthProcess;
let iam: IAM.IAMClient;
let root: ECRClient;
const as: Record<string, ECRClient> = {};

async function user(name: string, statements: object[]): Promise<void> {
  await iam.send(new IAM.CreateUserCommand({ UserName: name }));
  if (statements.length) await iam.send(new IAM.PutUserPolicyCommand({ UserName: name, PolicyName: "ecr", PolicyDocument: doc(statements) }));
  const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: name }));
  const credentials: Creds = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  as[name] = new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials, maxAttempts: 1 });
}

before(async () => {
  berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`, "--iam-enforcement"] });
  iam = new IAM.IAMClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT });
  root = new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT, maxAttempts: 1 });
  await user("admin", [{ Effect: "Allow", Action: "ecr:*", Resource: "*" }]);
  await user("guest", []);
  await user("blocked", [{ Effect: "Deny", Action: "ecr:ListImages", Resource: "*" }]);
  for (const name of ["shared", "private"]) await root.send(new CreateRepositoryCommand({ repositoryName: name }));
  await root.send(new SetRepositoryPolicyCommand({
    repositoryName: "shared",
    policyText: doc([
      { Sid: "GuestsRead", Effect: "Allow", Principal: { AWS: [userArn("guest"), userArn("blocked")] }, Action: ["ecr:ListImages", "ecr:BatchGetImage"] },
      { Sid: "NoAdminPulls", Effect: "Deny", Principal: { AWS: userArn("admin") }, Action: "ecr:BatchGetImage" },
    ]),
  }));
});

after(async () => {
  await berth?.dispose();
});

test("a repository policy's Allow suffices in the same account, for the actions and the repository it names", async () => {
  const listed = await as.guest!.send(new ListImagesCommand({ repositoryName: "shared" }));
  assert.deepEqual(listed.imageIds, []);
  const got = await as.guest!.send(new BatchGetImageCommand({ repositoryName: "shared", imageIds: [{ imageTag: "latest" }] }));
  assert.equal(got.failures?.[0]?.failureCode, "ImageNotFound", "authorized, then answered as ECR answers a missing tag");

  const other = await refusal(as.guest!.send(new DescribeImagesCommand({ repositoryName: "shared" })));
  assert.equal(other.name, "AccessDeniedException");
  assert.equal(other.message, `User: ${userArn("guest")} is not authorized to perform: ecr:DescribeImages on resource: ${repoArn("shared")} because no identity-based policy allows the ecr:DescribeImages action`);
  const elsewhere = await refusal(as.guest!.send(new ListImagesCommand({ repositoryName: "private" })));
  assert.equal(elsewhere.message, `User: ${userArn("guest")} is not authorized to perform: ecr:ListImages on resource: ${repoArn("private")} because no identity-based policy allows the ecr:ListImages action`);
});

test("an explicit Deny in the repository policy refuses what the identity policies allow", async () => {
  const denied = await refusal(as.admin!.send(new BatchGetImageCommand({ repositoryName: "shared", imageIds: [{ imageTag: "latest" }] })));
  assert.equal(denied.name, "AccessDeniedException");
  assert.equal(denied.message, `User: ${userArn("admin")} is not authorized to perform: ecr:BatchGetImage on resource: ${repoArn("shared")} with an explicit deny in a resource-based policy`);
  // The rest of what its identity policies allow stays allowed, there and elsewhere.
  await as.admin!.send(new ListImagesCommand({ repositoryName: "shared" }));
  await as.admin!.send(new BatchGetImageCommand({ repositoryName: "private", imageIds: [{ imageTag: "latest" }] }));
});

test("an explicit Deny in the identity policies refuses what the repository policy allows", async () => {
  const denied = await refusal(as.blocked!.send(new ListImagesCommand({ repositoryName: "shared" })));
  assert.equal(denied.name, "AccessDeniedException");
  assert.equal(denied.message, `User: ${userArn("blocked")} is not authorized to perform: ecr:ListImages on resource: ${repoArn("shared")} with an explicit deny in an identity-based policy`);
  await as.blocked!.send(new BatchGetImageCommand({ repositoryName: "shared", imageIds: [{ imageTag: "latest" }] }));
});
