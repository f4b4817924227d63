import { test } from "node:test";
import assert from "node:assert/strict";
import { grantsBroadAccess, parseSecretPolicy, storedPolicyText, validationErrors } from "./resource-policy.js";

const policy = (s: object) => JSON.stringify({ Version: "2012-10-17", Statement: [s] });
const broad = (s: object) => grantsBroadAccess(parseSecretPolicy(policy({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*", ...s })));

test("broad access: a wildcard principal or NotPrincipal in an Allow, unless a condition ties it to known callers", () => {
  assert.equal(broad({ Principal: "*" }), true);
  assert.equal(broad({ Principal: { AWS: ["arn:aws:iam::111122223333:root", "*"] } }), true);
  assert.equal(broad({ NotPrincipal: { AWS: "111122223333" } }), true);
  assert.equal(broad({ Principal: { AWS: "111122223333" } }), false);
  assert.equal(broad({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalAccount": "111122223333" } } }), false);
  assert.equal(broad({ Principal: "*", Condition: { StringEquals: { "aws:principalorgid": "o-abc" } } }), false, "condition keys are case-insensitive");
  // What does not narrow: a negation, an IfExists (passes when the key is absent), a wildcard value, a key any caller sets.
  assert.equal(broad({ Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalAccount": "111122223333" } } }), true);
  assert.equal(broad({ Principal: "*", Condition: { StringEqualsIfExists: { "aws:PrincipalAccount": "111122223333" } } }), true);
  assert.equal(broad({ Principal: "*", Condition: { StringLike: { "aws:PrincipalAccount": "*" } } }), true);
  assert.equal(broad({ Principal: "*", Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } } }), true);
  // A Deny never grants.
  assert.equal(grantsBroadAccess(parseSecretPolicy(policy({ Effect: "Deny", Principal: "*", Action: "secretsmanager:*" }))), false);
});

test("validation: grammar faults and broad access are ValidationErrors; text that is not JSON throws", () => {
  assert.deepEqual(validationErrors(policy({ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "secretsmanager:*" })), []);
  assert.deepEqual(validationErrors(policy({ Effect: "Allow", Action: "secretsmanager:*" })), [{ CheckName: "SYNTAX_CHECK", ErrorMessage: "This policy has invalid syntax." }]);
  assert.equal(validationErrors(policy({ Effect: "Allow", Principal: "*", Action: "secretsmanager:*" }))[0]?.CheckName, "PUBLIC_POLICY_CHECK");
  assert.throws(() => validationErrors("{"), { name: "MalformedPolicyDocumentException" } as object);
});

test("the stored text: Jackson's layout, one-string lists written as the string, other lists kept", () => {
  const text = storedPolicyText(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ["a", "b"] }, Action: ["secretsmanager:GetSecretValue"] }] }));
  assert.equal(text, '{\n  "Version" : "2012-10-17",\n  "Statement" : [ {\n    "Effect" : "Allow",\n    "Principal" : {\n      "AWS" : [ "a", "b" ]\n    },\n    "Action" : "secretsmanager:GetSecretValue"\n  } ]\n}');
});
