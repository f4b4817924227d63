import { test } from "node:test";
import assert from "node:assert/strict";
import { locksOutPolicyChanges, parseRepositoryPolicy } from "./repository-policy.js";

const statement = (extra: Record<string, unknown> = {}) => ({ Sid: "pull", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: ["ecr:BatchGetImage"], ...extra });
const policy = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

test("valid repository policies: principals of every kind, single statements, conditions, old version", () => {
  const valid = [
    policy(statement()),
    policy(statement({ Principal: "*" })),
    policy(statement({ Principal: { AWS: ["123456789012", "arn:aws:iam::123456789012:role/deploy", "arn:aws:sts::123456789012:assumed-role/r/s", "*"] } })),
    policy(statement({ Principal: { Service: "codebuild.amazonaws.com" } })),
    policy(statement({ Action: "ecr:*" }), statement({ Sid: "deny", Effect: "Deny", Action: undefined, NotAction: ["ecr:Batch?etImage"] })),
    policy(statement({ Condition: { StringEquals: { "aws:PrincipalOrgID": ["o-abc"] }, Bool: { "aws:SecureTransport": true } } })),
    JSON.stringify({ Version: "2008-10-17", Id: "x", Statement: statement() }),
    JSON.stringify({ Statement: [statement({ Sid: undefined }), statement({ Sid: undefined })] }),
  ];
  for (const text of valid) assert.ok(parseRepositoryPolicy(text), text);
});

test("invalid repository policies", () => {
  const invalid = [
    "", "not json", "[]", "{}", JSON.stringify({ Version: "2012-10-17" }),
    JSON.stringify({ Version: "2020-01-01", Statement: [statement()] }),
    JSON.stringify({ Version: "2012-10-17", Statement: [] }),
    JSON.stringify({ Version: "2012-10-17", Statement: [statement()], Extra: 1 }),
    policy(statement({ Effect: "allow" })),
    policy(statement({ Effect: undefined })),
    policy(statement({ Principal: undefined })),
    policy(statement({ NotPrincipal: "*" })),
    policy(statement({ Principal: {} })),
    policy(statement({ Principal: { AWS: "arn:aws:iam::123456789012:*" } })),
    policy(statement({ Principal: { AWS: [] } })),
    policy(statement({ Principal: { Service: "not a service" } })),
    policy(statement({ Principal: { Robot: "x" } })),
    policy(statement({ Action: undefined })),
    policy(statement({ NotAction: "ecr:*" })),
    policy(statement({ Action: [] })),
    policy(statement({ Action: ["BatchGetImage"] })),
    policy(statement({ Action: [7] })),
    // ECR: the repository is the resource; a Resource element is refused.
    policy(statement({ Resource: "*" })),
    policy(statement({ NotResource: "*" })),
    policy(statement({ Condition: "x" })),
    policy(statement({ Condition: { StringEquals: {} } })),
    policy(statement({ Unknown: 1 })),
    policy(statement(), statement()),
    policy("a statement"),
  ];
  for (const text of invalid) assert.equal(parseRepositoryPolicy(text), undefined, text);
});

test("a policy that denies everyone SetRepositoryPolicy locks the policy and needs force", () => {
  const lock = (s: Record<string, unknown>) => locksOutPolicyChanges(parseRepositoryPolicy(policy(statement({ Effect: "Deny", ...s })))!);
  assert.equal(lock({ Principal: "*", Action: "ecr:*" }), true);
  assert.equal(lock({ Principal: { AWS: "*" }, Action: "ecr:setrepositorypolicy" }), true);
  assert.equal(lock({ Principal: "*", Action: "*" }), true);
  assert.equal(lock({ Principal: "*", Action: undefined, NotAction: "ecr:BatchGetImage" }), true);
  assert.equal(lock({ Principal: "*", Action: undefined, NotAction: "ecr:Set*" }), false);
  assert.equal(lock({ Principal: "*", Action: "ecr:BatchGetImage" }), false);
  assert.equal(lock({ Principal: { AWS: "123456789012" }, Action: "ecr:*" }), false);
  assert.equal(lock({ Principal: "*", Action: "ecr:*", Condition: { Bool: { "aws:SecureTransport": false } } }), false);
  assert.equal(locksOutPolicyChanges(parseRepositoryPolicy(policy(statement({ Principal: "*", Action: "ecr:*" })))!), false);
});
