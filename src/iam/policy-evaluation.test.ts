import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluatePolicies, trustAllows } from "./policy-evaluation.js";
import { parsePolicyDocument } from "./policy-document.js";

const policy = (statements: object[]) => parsePolicyDocument(JSON.stringify({ Version: "2012-10-17", Statement: statements }), "identity");

test("no statement applies: implicit deny; an Allow allows; an explicit Deny wins over any Allow", () => {
  const allowList = policy([{ Effect: "Allow", Action: "ecs:List*", Resource: "*" }]);
  assert.equal(evaluatePolicies([], { action: "ecs:ListClusters", resource: "*" }), "ImplicitDeny");
  assert.equal(evaluatePolicies([allowList], { action: "ecs:ListClusters", resource: "*" }), "Allow");
  assert.equal(evaluatePolicies([allowList], { action: "ecs:CreateCluster", resource: "*" }), "ImplicitDeny");
  const denyAll = policy([{ Effect: "Deny", Action: "ecs:*", Resource: "*" }]);
  assert.equal(evaluatePolicies([allowList, denyAll], { action: "ecs:ListClusters", resource: "*" }), "ExplicitDeny");
});

test("actions match case-insensitively with * and ?; resources exactly, with wildcards", () => {
  const p = policy([{ Effect: "Allow", Action: ["ECS:describe*", "ecr:Get?uthorizationToken"], Resource: "arn:aws:ecs:us-east-1:123456789012:cluster/dev-*" }]);
  assert.equal(evaluatePolicies([p], { action: "ecs:DescribeClusters", resource: "arn:aws:ecs:us-east-1:123456789012:cluster/dev-a" }), "Allow");
  assert.equal(evaluatePolicies([p], { action: "ecs:DescribeClusters", resource: "arn:aws:ecs:us-east-1:123456789012:cluster/prod" }), "ImplicitDeny");
  assert.equal(evaluatePolicies([p], { action: "ecs:DescribeClusters", resource: "arn:aws:ecs:us-east-1:123456789012:cluster/DEV-a" }), "ImplicitDeny");
  assert.equal(evaluatePolicies([p], { action: "ecr:GetAuthorizationToken", resource: "arn:aws:ecs:us-east-1:123456789012:cluster/dev-" }), "Allow");
});

test("NotAction with Allow: everything except; with Deny (AWS's 'deny all but IAM' example)", () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
  const allowAllButIam = policy([{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }]);
  assert.equal(evaluatePolicies([allowAllButIam], { action: "ecs:RunTask", resource: "*" }), "Allow");
  assert.equal(evaluatePolicies([allowAllButIam], { action: "iam:CreateUser", resource: "*" }), "ImplicitDeny");
  const admin = policy([{ Effect: "Allow", Action: "*", Resource: "*" }]);
  const denyAllButIam = policy([{ Effect: "Deny", NotAction: "iam:*", Resource: "*" }]);
  assert.equal(evaluatePolicies([admin, denyAllButIam], { action: "iam:ListRoles", resource: "*" }), "Allow");
  assert.equal(evaluatePolicies([admin, denyAllButIam], { action: "ecs:ListClusters", resource: "*" }), "ExplicitDeny");
});

test("NotResource: everything but the named resources", () => {
  const p = policy([{ Effect: "Allow", Action: "iam:*", NotResource: "arn:aws:iam::123456789012:role/admin" }]);
  assert.equal(evaluatePolicies([p], { action: "iam:GetRole", resource: "arn:aws:iam::123456789012:role/app" }), "Allow");
  assert.equal(evaluatePolicies([p], { action: "iam:GetRole", resource: "arn:aws:iam::123456789012:role/admin" }), "ImplicitDeny");
});

test("conditions: AWS's documented examples (IP ranges, MFA Bool, StringLike, NumericLessThan, Null, IfExists, negated operators)", () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html
  const denyOutside = policy([
    { Effect: "Allow", Action: "*", Resource: "*" },
    { Effect: "Deny", Action: "*", Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"] } } },
  ]);
  assert.equal(evaluatePolicies([denyOutside], { action: "ecs:ListClusters", resource: "*", context: { "aws:SourceIp": "192.0.2.17" } }), "Allow");
  assert.equal(evaluatePolicies([denyOutside], { action: "ecs:ListClusters", resource: "*", context: { "aws:SourceIp": "198.51.100.1" } }), "ExplicitDeny");
  // Negated operators hold when the key is absent (no SourceIp: the Deny applies).
  assert.equal(evaluatePolicies([denyOutside], { action: "ecs:ListClusters", resource: "*" }), "ExplicitDeny");

  const mfa = policy([{ Effect: "Allow", Action: "ecs:*", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }]);
  assert.equal(evaluatePolicies([mfa], { action: "ecs:RunTask", resource: "*", context: { "aws:MultiFactorAuthPresent": "true" } }), "Allow");
  assert.equal(evaluatePolicies([mfa], { action: "ecs:RunTask", resource: "*" }), "ImplicitDeny");

  const own = policy([{ Effect: "Allow", Action: "iam:*AccessKey*", Resource: "*", Condition: { StringLike: { "aws:username": "dev-*" }, StringEquals: { "aws:PrincipalType": "User" } } }]);
  assert.equal(evaluatePolicies([own], { action: "iam:CreateAccessKey", resource: "*", context: { "AWS:UserName": "dev-alice", "aws:PrincipalType": "User" } }), "Allow");
  assert.equal(evaluatePolicies([own], { action: "iam:CreateAccessKey", resource: "*", context: { "aws:username": "ops-bob", "aws:PrincipalType": "User" } }), "ImplicitDeny");

  const numeric = policy([{ Effect: "Allow", Action: "sts:*", Resource: "*", Condition: { NumericLessThanEquals: { "aws:MultiFactorAuthAge": "3600" } } }]);
  assert.equal(evaluatePolicies([numeric], { action: "sts:AssumeRole", resource: "*", context: { "aws:MultiFactorAuthAge": "60" } }), "Allow");
  assert.equal(evaluatePolicies([numeric], { action: "sts:AssumeRole", resource: "*", context: { "aws:MultiFactorAuthAge": "7200" } }), "ImplicitDeny");

  const nullCheck = policy([{ Effect: "Allow", Action: "ecs:*", Resource: "*", Condition: { Null: { "aws:TokenIssueTime": "false" } } }]);
  assert.equal(evaluatePolicies([nullCheck], { action: "ecs:RunTask", resource: "*", context: { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" } }), "Allow");
  assert.equal(evaluatePolicies([nullCheck], { action: "ecs:RunTask", resource: "*" }), "ImplicitDeny");

  const ifExists = policy([{ Effect: "Allow", Action: "ecs:*", Resource: "*", Condition: { StringEqualsIfExists: { "aws:RequestedRegion": "eu-west-1" } } }]);
  assert.equal(evaluatePolicies([ifExists], { action: "ecs:RunTask", resource: "*" }), "Allow");
  assert.equal(evaluatePolicies([ifExists], { action: "ecs:RunTask", resource: "*", context: { "aws:RequestedRegion": "us-east-1" } }), "ImplicitDeny");

  const arn = policy([{ Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/ci-*" } } }]);
  assert.equal(evaluatePolicies([arn], { action: "iam:PassRole", resource: "*", context: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/ci-deploy" } }), "Allow");
  assert.equal(evaluatePolicies([arn], { action: "iam:PassRole", resource: "*", context: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/app" } }), "ImplicitDeny");
});

test("ForAllValues / ForAnyValue over multi-valued keys", () => {
  const all = policy([{ Effect: "Allow", Action: "ecs:TagResource", Resource: "*", Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team"] } } }]);
  assert.equal(evaluatePolicies([all], { action: "ecs:TagResource", resource: "*", context: { "aws:TagKeys": ["env"] } }), "Allow");
  assert.equal(evaluatePolicies([all], { action: "ecs:TagResource", resource: "*", context: { "aws:TagKeys": ["env", "cost"] } }), "ImplicitDeny");
  const any = policy([{ Effect: "Deny", Action: "ecs:TagResource", Resource: "*", Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["owner"] } } }]);
  assert.equal(evaluatePolicies([any], { action: "ecs:TagResource", resource: "*", context: { "aws:TagKeys": ["env", "owner"] } }), "ExplicitDeny");
});

test("trust policies: service principals, account and ARN principals, Deny", () => {
  const trust = (statements: object[]) => parsePolicyDocument(JSON.stringify({ Version: "2012-10-17", Statement: statements }), "trust");
  const ecsTasks = trust([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
  assert.equal(trustAllows(ecsTasks, { service: "ecs-tasks.amazonaws.com" }, "sts:AssumeRole"), true);
  assert.equal(trustAllows(ecsTasks, { service: "ec2.amazonaws.com" }, "sts:AssumeRole"), false);
  assert.equal(trustAllows(ecsTasks, { service: "ecs-tasks.amazonaws.com" }, "sts:TagSession"), false);
  const account = trust([{ Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "sts:AssumeRole" }, { Effect: "Deny", Principal: { AWS: "arn:aws:iam::123456789012:user/mallory" }, Action: "sts:*" }]);
  assert.equal(trustAllows(account, { aws: ["arn:aws:iam::123456789012:user/alice", "123456789012"] }, "sts:AssumeRole"), true);
  assert.equal(trustAllows(account, { aws: ["arn:aws:iam::123456789012:user/mallory", "123456789012"] }, "sts:AssumeRole"), false);
  assert.equal(trustAllows(account, { aws: ["arn:aws:iam::999999999999:root", "999999999999"] }, "sts:AssumeRole"), false);
  const external = trust([{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "x-1" } } }]);
  assert.equal(trustAllows(external, { aws: ["999999999999"] }, "sts:AssumeRole", { "sts:ExternalId": "x-1" }), true);
  assert.equal(trustAllows(external, { aws: ["999999999999"] }, "sts:AssumeRole", {}), false);
});

test("a NotResource whose variable has no value never widens: an Allow does not apply, a Deny applies to all", () => {
  const param = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter/${name}`;
  const allowOthers = policy([{ Effect: "Allow", Action: "ssm:GetParameter", NotResource: param("users/${aws:username}/*") }]);
  const denyOthers = policy([{ Effect: "Deny", Action: "ssm:GetParameter", NotResource: param("users/${aws:username}/*") }]);
  const admin = policy([{ Effect: "Allow", Action: "ssm:*", Resource: "*" }]);
  const user = { "aws:username": "ana" };
  // With the value: the NotResource excludes the user's own parameters, as written.
  assert.equal(evaluatePolicies([allowOthers], { action: "ssm:GetParameter", resource: param("admin/secret"), context: user }), "Allow");
  assert.equal(evaluatePolicies([allowOthers], { action: "ssm:GetParameter", resource: param("users/ana/x"), context: user }), "ImplicitDeny");
  assert.equal(evaluatePolicies([admin, denyOthers], { action: "ssm:GetParameter", resource: param("users/ana/x"), context: user }), "Allow");
  // A role session has no aws:username: the Allow allows nothing, the Deny refuses everything.
  assert.equal(evaluatePolicies([allowOthers], { action: "ssm:GetParameter", resource: param("admin/secret"), context: {} }), "ImplicitDeny");
  assert.equal(evaluatePolicies([admin, denyOthers], { action: "ssm:GetParameter", resource: param("users/x/y"), context: {} }), "ExplicitDeny");
});
