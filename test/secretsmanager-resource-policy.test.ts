import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import {
  SecretsManagerClient, CreateSecretCommand, GetSecretValueCommand, DescribeSecretCommand, ListSecretsCommand, DeleteSecretCommand, RestoreSecretCommand,
  PutResourcePolicyCommand, GetResourcePolicyCommand, DeleteResourcePolicyCommand, ValidateResourcePolicyCommand, PutSecretValueCommand,
  BatchGetSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";
import { BerthProcess } from "./harness.js";
import { A, B, ROOT_A, ROOT_B, TWO_ROOTS, config, doc, userWith as userWithIn } from "./two-accounts.js";
import { refusal } from "./failure.js";

/**
 * Secrets Manager's resource-based policies: Put/Get/Delete/ValidateResourcePolicy with SDK v3
 * and the AWS CLI (AWS's shapes and errors, BlockPublicPolicy, durable), then, under
 * iamEnforcement, the policy deciding access with the caller's identity policies: another
 * account's caller (reaching the secret by its ARN) needs both; in the secret's account either
 * may allow, and a Deny in the policy wins.
 */


describe("resource policy operations", () => {
  let berth: BerthProcess;
  let sm: SecretsManagerClient;
  before(async () => {
    berth = await BerthProcess.start();
    sm = new SecretsManagerClient(config(berth.endpoint, { accessKeyId: "test", secretAccessKey: "test" }));
  });
  after(async () => {
    await berth?.dispose();
  });

  const readOnly = doc([{ Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${B}:root`] }, Action: ["secretsmanager:GetSecretValue"], Resource: "*" }]);

  test("SDK: put, get and delete round trip; the policy comes back as Secrets Manager prints it; Describe and List do not show it", async () => {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: "shared/db", SecretString: "v" }));
    const none = await sm.send(new GetResourcePolicyCommand({ SecretId: "shared/db" }));
    assert.equal(none.ARN, ARN);
    assert.equal(none.Name, "shared/db");
    assert.equal(none.ResourcePolicy, undefined);

    const put = await sm.send(new PutResourcePolicyCommand({ SecretId: ARN, ResourcePolicy: readOnly, BlockPublicPolicy: true }));
    assert.deepEqual({ ARN: put.ARN, Name: put.Name }, { ARN, Name: "shared/db" });
    const got = await sm.send(new GetResourcePolicyCommand({ SecretId: "shared/db" }));
    assert.equal(got.ResourcePolicy, [
      "{",
      '  "Version" : "2012-10-17",',
      '  "Statement" : [ {',
      '    "Effect" : "Allow",',
      '    "Principal" : {',
      `      "AWS" : "arn:aws:iam::${B}:root"`,
      "    },",
      '    "Action" : "secretsmanager:GetSecretValue",',
      '    "Resource" : "*"',
      "  } ]",
      "}",
    ].join("\n"));

    const described = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
    assert.equal(described.Name, "shared/db");
    assert.ok(!JSON.stringify(described).includes("GetSecretValue"), "DescribeSecret does not carry the policy");
    const listed = await sm.send(new ListSecretsCommand({}));
    assert.ok(!JSON.stringify(listed.SecretList).includes("GetSecretValue"), "ListSecrets does not carry the policy");

    const deleted = await sm.send(new DeleteResourcePolicyCommand({ SecretId: ARN }));
    assert.deepEqual({ ARN: deleted.ARN, Name: deleted.Name }, { ARN, Name: "shared/db" });
    assert.equal((await sm.send(new GetResourcePolicyCommand({ SecretId: ARN }))).ResourcePolicy, undefined);
    // Deleting again is not an error.
    await sm.send(new DeleteResourcePolicyCommand({ SecretId: ARN }));
  });

  test("BlockPublicPolicy refuses a wildcard principal without a restricting condition, and changes nothing", async () => {
    await sm.send(new CreateSecretCommand({ Name: "public-check", SecretString: "v" }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: "public-check", ResourcePolicy: readOnly }));
    const publicStatements = [
      { Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" },
      { Effect: "Allow", Principal: { AWS: "*" }, Action: "secretsmanager:*", Resource: "*" },
      { Effect: "Allow", Principal: { AWS: "*" }, Action: "secretsmanager:*", Resource: "*", Condition: { StringNotEquals: { "aws:PrincipalAccount": B } } },
    ];
    for (const statement of publicStatements) {
      assert.deepEqual(await refusal(sm.send(new PutResourcePolicyCommand({ SecretId: "public-check", ResourcePolicy: doc([statement]), BlockPublicPolicy: true }))), {
        name: "PublicPolicyException",
        message: "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.",
      });
    }
    assert.match((await sm.send(new GetResourcePolicyCommand({ SecretId: "public-check" }))).ResourcePolicy!, /111122223333:root/);

    // A condition naming the account that may call restricts the wildcard; without BlockPublicPolicy a public policy is kept.
    const restricted = doc([{ Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": B } } }]);
    await sm.send(new PutResourcePolicyCommand({ SecretId: "public-check", ResourcePolicy: restricted, BlockPublicPolicy: true }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: "public-check", ResourcePolicy: doc([publicStatements[0]!]) }));
    assert.match((await sm.send(new GetResourcePolicyCommand({ SecretId: "public-check" }))).ResourcePolicy!, /"Principal" : "\*"/);
  });

  test("ValidateResourcePolicy: PolicyValidationPassed and ValidationErrors; text that is not JSON is MalformedPolicyDocumentException", async () => {
    const ok = await sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: readOnly }));
    assert.equal(ok.PolicyValidationPassed, true);
    assert.deepEqual(ok.ValidationErrors, []);

    const broad = await sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: doc([{ Effect: "Allow", Principal: "*", Action: "secretsmanager:*", Resource: "*" }]) }));
    assert.equal(broad.PolicyValidationPassed, false);
    assert.equal(broad.ValidationErrors?.length, 1);
    assert.equal(broad.ValidationErrors?.[0]?.CheckName, "PUBLIC_POLICY_CHECK");

    const noStatement = await sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: JSON.stringify({ Version: "2012-10-17" }) }));
    assert.equal(noStatement.PolicyValidationPassed, false);
    assert.deepEqual(noStatement.ValidationErrors, [{ CheckName: "SYNTAX_CHECK", ErrorMessage: "This policy has invalid syntax." }]);

    assert.deepEqual(await refusal(sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: "{not json" }))),
      { name: "MalformedPolicyDocumentException", message: "This policy has invalid syntax." });
    assert.deepEqual(await refusal(sm.send(new ValidateResourcePolicyCommand({ SecretId: "no-such-secret", ResourcePolicy: readOnly }))),
      { name: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." });
  });

  test("errors: bad JSON, a statement without a principal, a missing secret, a secret scheduled for deletion", async () => {
    await sm.send(new CreateSecretCommand({ Name: "errors", SecretString: "v" }));
    const malformed = { name: "MalformedPolicyDocumentException", message: "This policy has invalid syntax." };
    for (const bad of ["{not json", "[]", doc([{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }]),
      doc([{ Effect: "Maybe", Principal: "*", Action: "secretsmanager:GetSecretValue" }]), JSON.stringify({ Version: "2019-10-19", Statement: [] })]) {
      assert.deepEqual(await refusal(sm.send(new PutResourcePolicyCommand({ SecretId: "errors", ResourcePolicy: bad }))), malformed);
    }
    assert.equal((await sm.send(new GetResourcePolicyCommand({ SecretId: "errors" }))).ResourcePolicy, undefined, "a refused policy is not stored");

    const missing = { name: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." };
    assert.deepEqual(await refusal(sm.send(new PutResourcePolicyCommand({ SecretId: "nope", ResourcePolicy: readOnly }))), missing);
    assert.deepEqual(await refusal(sm.send(new GetResourcePolicyCommand({ SecretId: "nope" }))), missing);
    assert.deepEqual(await refusal(sm.send(new DeleteResourcePolicyCommand({ SecretId: "nope" }))), missing);
    // The model's constraints: an empty policy is the front end's ValidationException.
    assert.equal((await refusal(sm.send(new PutResourcePolicyCommand({ SecretId: "errors", ResourcePolicy: "" })))).name, "ValidationException");

    await sm.send(new PutResourcePolicyCommand({ SecretId: "errors", ResourcePolicy: readOnly }));
    await sm.send(new DeleteSecretCommand({ SecretId: "errors", RecoveryWindowInDays: 7 }));
    assert.deepEqual(await refusal(sm.send(new GetResourcePolicyCommand({ SecretId: "errors" }))),
      { name: "InvalidRequestException", message: "You can't perform this operation on the secret because it was marked for deletion." });
    await sm.send(new RestoreSecretCommand({ SecretId: "errors" }));
    assert.match((await sm.send(new GetResourcePolicyCommand({ SecretId: "errors" }))).ResourcePolicy!, /GetSecretValue/, "a restored secret keeps its policy");

    // Deleted for good, the secret's policy goes with it: a new secret of the same name has none.
    await sm.send(new DeleteSecretCommand({ SecretId: "errors", ForceDeleteWithoutRecovery: true }));
    await sm.send(new CreateSecretCommand({ Name: "errors", SecretString: "again" }));
    assert.equal((await sm.send(new GetResourcePolicyCommand({ SecretId: "errors" }))).ResourcePolicy, undefined);
  });

  test("the AWS CLI: put-resource-policy with --block-public-policy, get, validate, delete", async () => {
    const { ARN } = await berth.aws("secretsmanager", "create-secret", "--name", "cli-policy", "--secret-string", "v");
    const put = await berth.aws("secretsmanager", "put-resource-policy", "--secret-id", "cli-policy", "--resource-policy", readOnly, "--block-public-policy");
    assert.deepEqual(put, { ARN, Name: "cli-policy" });
    const got = await berth.aws("secretsmanager", "get-resource-policy", "--secret-id", ARN);
    assert.deepEqual(JSON.parse(got.ResourcePolicy), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: "secretsmanager:GetSecretValue", Resource: "*" }] });
    const publicDoc = doc([{ Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" }]);
    const refused = await refusal(berth.aws("secretsmanager", "put-resource-policy", "--secret-id", "cli-policy", "--resource-policy", publicDoc, "--block-public-policy"));
    assert.match(refused.message, /PublicPolicyException.*did not prevent broad access to the secret/);
    const validated = await berth.aws("secretsmanager", "validate-resource-policy", "--resource-policy", publicDoc);
    assert.equal(validated.PolicyValidationPassed, false);
    assert.equal(validated.ValidationErrors[0].CheckName, "PUBLIC_POLICY_CHECK");
    assert.deepEqual(await berth.aws("secretsmanager", "delete-resource-policy", "--secret-id", "cli-policy"), { ARN, Name: "cli-policy" });
    const after = await berth.aws("secretsmanager", "get-resource-policy", "--secret-id", "cli-policy");
    assert.deepEqual(after, { ARN, Name: "cli-policy" });
  });

  test("a policy survives a restart (the last test of this server)", async () => {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: "durable", SecretString: "v" }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: ARN, ResourcePolicy: readOnly }));
    const before = (await sm.send(new GetResourcePolicyCommand({ SecretId: ARN }))).ResourcePolicy;
    await berth.stop();
    const restarted = await BerthProcess.start({ dataDir: berth.dataDir });
    try {
      const again = new SecretsManagerClient(config(restarted.endpoint, { accessKeyId: "test", secretAccessKey: "test" }));
      assert.match(before!, /GetSecretValue/);
      assert.equal((await again.send(new GetResourcePolicyCommand({ SecretId: "durable" }))).ResourcePolicy, before);
    } finally {
      await restarted.dispose();
    }
  });
});

describe("resource policies under iamEnforcement", () => {
  const userArn = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
  const refused = (who: string, action: string, resource: string, why: string) => ({
    name: "AccessDeniedException", message: `User: ${who} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
  });
  let berth: BerthProcess;
  const userWith = (account: string, name: string, statements?: object[]) => userWithIn(berth.endpoint, account, name, statements);
  before(async () => {
    berth = await BerthProcess.start({ args: [...TWO_ROOTS, "--iam-enforcement"] });
  });
  after(async () => {
    await berth?.dispose();
  });

  test("another account's user reaches a secret by its ARN only when the secret's policy allows it and its own policy does", async () => {
    const owner = new SecretsManagerClient(config(berth.endpoint, ROOT_A));
    // A customer-managed key: AWS's own key cannot be used from another account.
    const { ARN } = await owner.send(new CreateSecretCommand({ Name: "cross/db", SecretString: "cross-value", KmsKeyId: `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }));
    const bob = new SecretsManagerClient(config(berth.endpoint, await userWith(B, "bob", [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }])));
    const carol = new SecretsManagerClient(config(berth.endpoint, await userWith(B, "carol")));
    const rootB = new SecretsManagerClient(config(berth.endpoint, ROOT_B));

    const noPolicy = (who: string, action: string) => refused(who, action, ARN!, `because no resource-based policy allows the ${action} action`);
    assert.deepEqual(await refusal(bob.send(new GetSecretValueCommand({ SecretId: ARN }))), noPolicy(userArn(B, "bob"), "secretsmanager:GetSecretValue"));
    assert.deepEqual(await refusal(rootB.send(new GetSecretValueCommand({ SecretId: ARN }))), noPolicy(`arn:aws:iam::${B}:root`, "secretsmanager:GetSecretValue"));
    // By name, a caller of account B names a secret of its own account: there is none.
    assert.equal((await refusal(bob.send(new GetSecretValueCommand({ SecretId: "cross/db" })))).name, "ResourceNotFoundException");

    await owner.send(new PutResourcePolicyCommand({ SecretId: ARN, BlockPublicPolicy: true, ResourcePolicy: doc([
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: "*" },
    ]) }));
    const got = await bob.send(new GetSecretValueCommand({ SecretId: ARN }));
    assert.equal(got.SecretString, "cross-value");
    assert.equal(got.ARN, ARN);
    // A partial ARN (without the six random characters) reaches it too.
    assert.equal((await bob.send(new GetSecretValueCommand({ SecretId: `arn:aws:secretsmanager:us-east-1:${A}:secret:cross/db` }))).SecretString, "cross-value");
    assert.equal((await rootB.send(new DescribeSecretCommand({ SecretId: ARN }))).Name, "cross/db");
    const batch = await bob.send(new BatchGetSecretValueCommand({ SecretIdList: [ARN!] }));
    assert.equal(batch.SecretValues?.[0]?.SecretString, "cross-value");
    // Only what the policy names: PutSecretValue is still refused.
    assert.deepEqual(await refusal(bob.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: "overwritten" }))), noPolicy(userArn(B, "bob"), "secretsmanager:PutSecretValue"));
    // Naming the account delegates to its identity policies: carol, allowed nothing by hers, is refused.
    assert.deepEqual(await refusal(carol.send(new GetSecretValueCommand({ SecretId: ARN }))),
      refused(userArn(B, "carol"), "secretsmanager:GetSecretValue", ARN!, "because no identity-based policy allows the secretsmanager:GetSecretValue action"));
    assert.equal((await owner.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString, "cross-value", "the value was not overwritten");
  });

  test("a secret under AWS's own key cannot be read from another account, whatever its policy says", async () => {
    const owner = new SecretsManagerClient(config(berth.endpoint, ROOT_A));
    const { ARN } = await owner.send(new CreateSecretCommand({ Name: "cross/default-key", SecretString: "v" }));
    await owner.send(new PutResourcePolicyCommand({ SecretId: ARN, ResourcePolicy: doc([{ Effect: "Allow", Principal: { AWS: B }, Action: "secretsmanager:*", Resource: "*" }]) }));
    const rootB = new SecretsManagerClient(config(berth.endpoint, ROOT_B));
    assert.deepEqual(await refusal(rootB.send(new GetSecretValueCommand({ SecretId: ARN }))), {
      name: "InvalidRequestException", message: "You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key.",
    });
    assert.equal((await rootB.send(new DescribeSecretCommand({ SecretId: ARN }))).Name, "cross/default-key", "what needs no decryption is allowed");
  });

  test("in the secret's own account the policy alone may allow, and its Deny wins over the identity's Allow", async () => {
    const owner = new SecretsManagerClient(config(berth.endpoint, ROOT_A));
    const { ARN } = await owner.send(new CreateSecretCommand({ Name: "local/db", SecretString: "local-value" }));
    const alice = new SecretsManagerClient(config(berth.endpoint, await userWith(A, "alice")));
    const dave = new SecretsManagerClient(config(berth.endpoint, await userWith(A, "dave", [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }])));
    assert.deepEqual(await refusal(alice.send(new GetSecretValueCommand({ SecretId: "local/db" }))),
      refused(userArn(A, "alice"), "secretsmanager:GetSecretValue", ARN!, "because no identity-based policy allows the secretsmanager:GetSecretValue action"));
    assert.equal((await dave.send(new GetSecretValueCommand({ SecretId: "local/db" }))).SecretString, "local-value");

    await owner.send(new PutResourcePolicyCommand({ SecretId: ARN, ResourcePolicy: doc([
      { Effect: "Allow", Principal: { AWS: userArn(A, "alice") }, Action: "secretsmanager:GetSecretValue", Resource: "*" },
      { Effect: "Deny", Principal: { AWS: userArn(A, "dave") }, Action: "secretsmanager:GetSecretValue", Resource: "*" },
    ]) }));
    assert.equal((await alice.send(new GetSecretValueCommand({ SecretId: "local/db" }))).SecretString, "local-value");
    assert.deepEqual(await refusal(dave.send(new GetSecretValueCommand({ SecretId: "local/db" }))),
      refused(userArn(A, "dave"), "secretsmanager:GetSecretValue", ARN!, "with an explicit deny in a resource-based policy"));
    // The Deny is for GetSecretValue only.
    assert.equal((await dave.send(new DescribeSecretCommand({ SecretId: "local/db" }))).Name, "local/db");
    // ValidateResourcePolicy needs PutResourcePolicy too.
    const vera = new SecretsManagerClient(config(berth.endpoint, await userWith(A, "vera", [{ Effect: "Allow", Action: "secretsmanager:ValidateResourcePolicy", Resource: "*" }])));
    const policy = doc([{ Effect: "Allow", Principal: { AWS: B }, Action: "secretsmanager:GetSecretValue", Resource: "*" }]);
    assert.deepEqual(await refusal(vera.send(new ValidateResourcePolicyCommand({ ResourcePolicy: policy }))),
      refused(userArn(A, "vera"), "secretsmanager:PutResourcePolicy", "*", "because no identity-based policy allows the secretsmanager:PutResourcePolicy action"));
    const validator = new SecretsManagerClient(config(berth.endpoint, await userWith(A, "val", [{ Effect: "Allow", Action: ["secretsmanager:ValidateResourcePolicy", "secretsmanager:PutResourcePolicy"], Resource: "*" }])));
    assert.equal((await validator.send(new ValidateResourcePolicyCommand({ ResourcePolicy: policy }))).PolicyValidationPassed, true);
    // The policy operations are themselves authorized: alice may not read the policy.
    assert.deepEqual(await refusal(alice.send(new GetResourcePolicyCommand({ SecretId: "local/db" }))),
      refused(userArn(A, "alice"), "secretsmanager:GetResourcePolicy", ARN!, "because no identity-based policy allows the secretsmanager:GetResourcePolicy action"));
  });
});
