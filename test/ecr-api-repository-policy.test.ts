import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as IAM from "@aws-sdk/client-iam";
import {
  ECRClient, BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, GetAuthorizationTokenCommand, GetDownloadUrlForLayerCommand,
  ListImagesCommand, SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { refusal } from "./failure.js";
import { Oci, sha256 } from "./registry-kit.js";

/**
 * The ECR API (SDK calls, not the registry's /v2) under iamEnforcement: a call on a repository is
 * decided by the caller's identity policies and the repository's policy together, as IAM
 * evaluates a same-account request: either may allow it, an explicit Deny in either refuses it.
 * Another account (B) reaches a repository by naming its registryId, as IAM evaluates a
 * cross-account request: its identity's policies and the repository's policy must both allow it
 * (its root: the repository's policy alone).
 */

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const ROOT = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
const B = "111122223333";
const ROOT_B = { accessKeyId: B, secretAccessKey: "b-secret" };
type Creds = { accessKeyId: string; secretAccessKey: string };
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const repoArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

let berth: BerthProcess;
let iam: IAM.IAMClient;
let root: ECRClient;
const as: Record<string, ECRClient> = {};

async function user(name: string, statements: object[], owner: IAM.IAMClient = iam): Promise<void> {
  await owner.send(new IAM.CreateUserCommand({ UserName: name }));
  if (statements.length) await owner.send(new IAM.PutUserPolicyCommand({ UserName: name, PolicyName: "ecr", PolicyDocument: doc(statements) }));
  const { AccessKey } = await owner.send(new IAM.CreateAccessKeyCommand({ UserName: name }));
  const credentials: Creds = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  as[name] = new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials, maxAttempts: 1 });
}

before(async () => {
  berth = await BerthProcess.start({
    args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey},${ROOT_B.accessKeyId}:${ROOT_B.secretAccessKey}`, "--iam-enforcement"],
  });
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

test("another account reaches a repository by its registryId only when the repository's policy allows that account", async () => {
  const iamB = new IAM.IAMClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT_B });
  await user("remote", [{ Effect: "Allow", Action: "ecr:*", Resource: "*" }], iamB);
  const remote = as.remote!;
  const rootB = new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT_B, maxAttempts: 1 });
  const remoteArn = `arn:aws:iam::${B}:user/remote`;
  const noPolicy = (who: string, action: string) => `User: ${who} is not authorized to perform: ${action} on resource: ${repoArn("cross")} because no resource-based policy allows the ${action} action`;
  await root.send(new CreateRepositoryCommand({ repositoryName: "cross" }));
  const { authorizationData } = await root.send(new GetAuthorizationTokenCommand({}));
  const oci = new Oci(berth.endpoint, Buffer.from(authorizationData![0]!.authorizationToken!, "base64").toString().slice("AWS:".length));
  const { manifest } = await oci.pushImage("cross", "1");

  // No repository policy: B's own ecr:* on "*" does not reach A's repository, nor does B's root.
  for (const [client, who] of [[remote, remoteArn], [rootB, `arn:aws:iam::${B}:root`]] as const) {
    const refused = await refusal(client.send(new DescribeImagesCommand({ registryId: ACCOUNT, repositoryName: "cross" })));
    assert.equal(refused.name, "AccessDeniedException");
    assert.equal(refused.message, noPolicy(who, "ecr:DescribeImages"));
  }

  await root.send(new SetRepositoryPolicyCommand({
    repositoryName: "cross",
    policyText: doc([{ Effect: "Allow", Principal: { AWS: B }, Action: ["ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] }]),
  }));
  // Now served from A's registry, as ECR serves it.
  const described = await remote.send(new DescribeImagesCommand({ registryId: ACCOUNT, repositoryName: "cross" }));
  assert.deepEqual(described.imageDetails?.map((d) => [d.registryId, d.repositoryName, d.imageTags]), [[ACCOUNT, "cross", ["1"]]]);
  const got = await remote.send(new BatchGetImageCommand({ registryId: ACCOUNT, repositoryName: "cross", imageIds: [{ imageTag: "1" }] }));
  assert.equal(got.images?.[0]?.registryId, ACCOUNT);
  assert.deepEqual(JSON.parse(got.images![0]!.imageManifest!), manifest);
  const layerDigest = manifest.layers[0].digest as string;
  const { downloadUrl } = await remote.send(new GetDownloadUrlForLayerCommand({ registryId: ACCOUNT, repositoryName: "cross", layerDigest }));
  const layer = Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer());
  assert.equal(sha256(layer), layerDigest);
  // B's root likewise, by the policy alone.
  const byRoot = await rootB.send(new BatchGetImageCommand({ registryId: ACCOUNT, repositoryName: "cross", imageIds: [{ imageTag: "1" }] }));
  assert.equal(byRoot.images?.length, 1);

  // Only what the policy names: ListImages stays refused.
  const listed = await refusal(remote.send(new ListImagesCommand({ registryId: ACCOUNT, repositoryName: "cross" })));
  assert.equal(listed.message, noPolicy(remoteArn, "ecr:ListImages"));
  // Without registryId the call is about B's own registry, which has no such repository.
  const own = await refusal(remote.send(new DescribeImagesCommand({ repositoryName: "cross" })));
  assert.equal(own.name, "RepositoryNotFoundException");
});
