import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePolicyDocument, type PolicyKind } from "./policy-document.js";

const malformed = (doc: unknown, kind: PolicyKind, message: string) =>
  assert.throws(() => parsePolicyDocument(typeof doc === "string" ? doc : JSON.stringify(doc), kind), (err: Error & { code?: string }) => {
    assert.equal(err.code, "MalformedPolicyDocumentException");
    assert.equal(err.message, message);
    return true;
  });

const statement = (s: object) => ({ Version: "2012-10-17", Statement: [s] });

test("a valid identity policy and trust policy parse, single values made lists", () => {
  const doc = parsePolicyDocument(JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "ecs:List*", Resource: "*" } }), "identity");
  assert.deepEqual(doc, { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecs:List*"], Resource: ["*"] }] });
  const trust = parsePolicyDocument(JSON.stringify(statement({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" })), "trust");
  assert.deepEqual(trust.Statement[0]!.Principal, { Service: ["ecs-tasks.amazonaws.com"] });
});

test("IAM's MalformedPolicyDocument messages", () => {
  malformed("{not json", "identity", "This policy contains invalid Json");
  malformed("[]", "identity", "This policy contains invalid Json");
  malformed({ Version: "2012-10-17", Statement: [], Extra: 1 }, "identity", "Syntax errors in policy.");
  malformed({ Version: "2013-01-01", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }, "identity", "Syntax errors in policy.");
  malformed({ Version: "2012-10-17", Statement: [] }, "identity", "Syntax errors in policy.");
  malformed(statement({ Effect: "Maybe", Action: "*", Resource: "*" }), "identity", "Syntax errors in policy.");
  malformed(statement({ Effect: "Allow", Resource: "*" }), "identity", "Policy statement must contain actions.");
  malformed(statement({ Effect: "Allow", Action: "ecs:ListClusters" }), "identity", "Policy statement must contain resources.");
  malformed(statement({ Effect: "Allow", Action: "ListClusters", Resource: "*" }), "identity", "Actions/Conditions must be prefaced by a vendor, e.g., iamcore, s3, etc.");
  malformed(statement({ Effect: "Allow", Action: "ecs:a:b", Resource: "*" }), "identity", "Actions/Condition can contain only one colon.");
  malformed(statement({ Effect: "Allow", Action: "ecs:*", Resource: "cluster/dev" }), "identity", 'Resource cluster/dev must be in ARN format or "*".');
  malformed(statement({ Effect: "Allow", Principal: "*", Action: "ecs:*", Resource: "*" }), "identity", "Policy document should not specify a principal.");
  malformed(statement({ Effect: "Allow", Action: "sts:AssumeRole" }), "trust", "Missing required field Principal.");
  malformed(statement({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole", Resource: "*" }), "trust", "Has prohibited field Resource.");
  malformed(statement({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "ecs:RunTask" }), "trust", "AssumeRole policy may only specify STS AssumeRole actions.");
  malformed(statement({ Effect: "Allow", Principal: { AWS: "alice" }, Action: "sts:AssumeRole" }), "trust", 'Invalid principal in policy: "AWS":"alice"');
});

test("a resource policy names a principal and may name resources", () => {
  const doc = parsePolicyDocument(JSON.stringify(statement({ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "secretsmanager:GetSecretValue", Resource: "*" })), "resource");
  assert.deepEqual(doc.Statement[0], { Effect: "Allow", Principal: { AWS: ["111122223333"] }, Action: ["secretsmanager:GetSecretValue"], Resource: ["*"] });
  assert.equal(parsePolicyDocument(JSON.stringify(statement({ Effect: "Deny", NotPrincipal: { AWS: "111122223333" }, Action: "*" })), "resource").Statement[0]!.Resource, undefined);
  malformed(statement({ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }), "resource", "Missing required field Principal.");
  malformed(statement({ Effect: "Allow", Principal: "*", NotPrincipal: { AWS: "111122223333" }, Action: "secretsmanager:*" }), "resource", "Syntax errors in policy.");
  malformed(statement({ Effect: "Allow", Principal: "*", Action: "secretsmanager:*", Resource: "secret" }), "resource", 'Resource secret must be in ARN format or "*".');
});
