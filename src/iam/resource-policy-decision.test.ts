import { test } from "node:test";
import assert from "node:assert/strict";
import type { Principal } from "../aws/request-context.js";
import { accountRoot, resourceAccessDenial, resourcePolicyDecision as repositoryPolicyDecision } from "./resource-policy-decision.js";

const clock = { now: () => new Date("2026-01-01T00:00:00Z") } as never;
const resource = "arn:aws:ecr:us-east-1:111122223333:repository/web";
const alice: Principal = { type: "User", account: "111122223333", arn: "arn:aws:iam::111122223333:user/alice", userId: "AIDAALICE", name: "alice" };
const session: Principal = {
  type: "AssumedRole", account: "111122223333", arn: "arn:aws:sts::111122223333:assumed-role/puller/ci", userId: "AROAPULLER:ci", name: "puller",
  roleArn: "arn:aws:iam::111122223333:role/puller",
};
const policy = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const decide = (text: string, who: Principal, action = "ecr:BatchGetImage", sourceIp?: string) =>
  repositoryPolicyDecision(text, who, { action, resource, clock, ...(sourceIp ? { sourceIp } : {}) });

test("a statement applies to the principals it names: a user, a role's sessions, everyone", () => {
  assert.equal(decide(policy([{ Effect: "Allow", Principal: { AWS: alice.arn }, Action: "ecr:BatchGetImage" }]), alice), "Allow");
  assert.equal(decide(policy([{ Effect: "Allow", Principal: { AWS: alice.arn }, Action: "ecr:BatchGetImage" }]), session), "ImplicitDeny");
  assert.equal(decide(policy([{ Effect: "Allow", Principal: { AWS: [session.roleArn] }, Action: "ecr:*" }]), session), "Allow");
  assert.equal(decide(policy([{ Effect: "Allow", Principal: { AWS: session.arn }, Action: "ecr:*" }]), session), "Allow");
  assert.equal(decide(policy([{ Effect: "Allow", Principal: "*", Action: "ecr:Batch*" }]), alice), "Allow");
  assert.equal(decide(policy([{ Effect: "Allow", Principal: "*", Action: "ecr:Batch*" }]), alice, "ecr:PutImage"), "ImplicitDeny");
  assert.equal(decide(policy([{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "ecr:*" }]), alice), "ImplicitDeny");
});

test("an account principal delegates: its Allow allows nobody, its Deny refuses everyone in it", () => {
  for (const account of ["111122223333", "arn:aws:iam::111122223333:root"]) {
    assert.equal(decide(policy([{ Effect: "Allow", Principal: { AWS: account }, Action: "ecr:*" }]), alice), "ImplicitDeny");
    assert.equal(decide(policy([{ Effect: "Deny", Principal: { AWS: account }, Action: "ecr:*" }]), alice), "ExplicitDeny");
  }
});

test("Deny wins, NotPrincipal and NotAction invert, conditions see the caller", () => {
  assert.equal(decide(policy([
    { Effect: "Allow", Principal: "*", Action: "ecr:*" },
    { Effect: "Deny", Principal: { AWS: alice.arn }, Action: "ecr:BatchGetImage" },
  ]), alice), "ExplicitDeny");
  assert.equal(decide(policy([{ Effect: "Deny", NotPrincipal: { AWS: alice.arn }, Action: "ecr:*" }]), session), "ExplicitDeny");
  assert.equal(decide(policy([{ Effect: "Deny", NotPrincipal: { AWS: alice.arn }, Action: "ecr:*" }]), alice), "ImplicitDeny");
  assert.equal(decide(policy([{ Effect: "Allow", Principal: "*", NotAction: "ecr:PutImage" }]), alice), "Allow");
  const fromLoopback = policy([{ Effect: "Allow", Principal: "*", Action: "ecr:*", Condition: { IpAddress: { "aws:SourceIp": "127.0.0.0/8" }, StringEquals: { "aws:username": "alice" } } }]);
  assert.equal(decide(fromLoopback, alice, "ecr:BatchGetImage", "127.0.0.1"), "Allow");
  assert.equal(decide(fromLoopback, alice, "ecr:BatchGetImage", "10.0.0.1"), "ImplicitDeny");
  assert.equal(decide(fromLoopback, session, "ecr:BatchGetImage", "127.0.0.1"), "ImplicitDeny");
  assert.equal(decide("not json", alice), "ImplicitDeny");
});

test("a Deny's NotPrincipal spares the callers it names, not every identity of an account it names", () => {
  const sparesAccount = policy([{ Effect: "Deny", NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "ecr:*" }]);
  assert.equal(decide(sparesAccount, alice), "ExplicitDeny");
  assert.equal(decide(sparesAccount, session), "ExplicitDeny");
  assert.equal(decide(policy([{ Effect: "Deny", NotPrincipal: { AWS: [alice.arn, "arn:aws:iam::111122223333:root"] }, Action: "ecr:*" }]), alice), "ImplicitDeny");
  // The account's root is the account principal: its id spares it as its root ARN does.
  const root = accountRoot("111122223333");
  assert.equal(decide(policy([{ Effect: "Deny", NotPrincipal: { AWS: "111122223333" }, Action: "ecr:*" }]), root as never), "ImplicitDeny");
  assert.equal(decide(policy([{ Effect: "Deny", NotPrincipal: { AWS: alice.arn }, Action: "ecr:*" }]), root as never), "ExplicitDeny");
  // An Allow's NotPrincipal naming the account grants its identities nothing.
  assert.equal(decide(policy([{ Effect: "Allow", NotPrincipal: { AWS: "111122223333" }, Action: "ecr:*" }]), alice), "ImplicitDeny");
});

test("a Deny's NotPrincipal spares a role session only by the session's ARN, not by its role's", () => {
  const role = session.roleArn!;
  const account = "arn:aws:iam::111122223333:root";
  // The role's ARN (with the account's, as IAM's documentation advises) still denies every session.
  assert.equal(decide(policy([{ Effect: "Deny", NotPrincipal: { AWS: [role, account] }, Action: "ecr:*" }]), session), "ExplicitDeny");
  assert.equal(decide(policy([{ Effect: "Deny", NotPrincipal: { AWS: role }, Action: "ecr:*" }]), session), "ExplicitDeny");
  // The session's own ARN spares that session, and no other session of the role.
  const sparesCi = policy([{ Effect: "Deny", NotPrincipal: { AWS: [session.arn, role, account] }, Action: "ecr:*" }]);
  assert.equal(decide(sparesCi, session), "ImplicitDeny");
  const other: Principal = { ...session, arn: "arn:aws:sts::111122223333:assumed-role/puller/other", userId: "AROAPULLER:other" };
  assert.equal(decide(sparesCi, other), "ExplicitDeny");
  // A Principal naming the role still names its sessions; an Allow's NotPrincipal naming the role still excludes them.
  assert.equal(decide(policy([{ Effect: "Deny", Principal: { AWS: role }, Action: "ecr:*" }]), session), "ExplicitDeny");
  assert.equal(decide(policy([{ Effect: "Allow", NotPrincipal: { AWS: role }, Action: "ecr:*" }]), session), "ImplicitDeny");
});

test("an Allow missing its Principal or Action, or with a malformed Condition, grants nothing; such a Deny applies as it reads", () => {
  for (const partial of [
    { Action: "ecr:*" },
    { Principal: "*" },
    { Principal: "*", Action: "ecr:*", Condition: { IpAddress: "10.0.0.0/8" } },
    { Principal: "*", Action: "ecr:*", Condition: "aws:SourceIp" },
  ]) {
    assert.equal(decide(policy([{ Effect: "Allow", ...partial }]), alice), "ImplicitDeny", JSON.stringify(partial));
    assert.equal(decide(policy([{ Effect: "Deny", ...partial }]), alice), "ExplicitDeny", JSON.stringify(partial));
  }
});

const bob: Principal = { type: "User", account: "444455556666", arn: "arn:aws:iam::444455556666:user/bob", userId: "AIDABOB", name: "bob" };

test("to another account, an Allow naming that account is the resource's half of the grant", () => {
  for (const account of ["444455556666", "arn:aws:iam::444455556666:root"]) {
    assert.equal(decide(policy([{ Effect: "Allow", Principal: { AWS: account }, Action: "ecr:*" }]), bob), "Allow");
  }
  assert.equal(decide(policy([{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::777788889999:root" }, Action: "ecr:*" }]), bob), "ImplicitDeny");
});

test("a statement's Resource is matched against the resource asked for", () => {
  const queue = "arn:aws:sqs:us-east-1:111122223333:jobs";
  const onQueue = (r: string) => repositoryPolicyDecision(policy([{ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: r }]), alice, { action: "sqs:SendMessage", resource: queue, clock });
  assert.equal(onQueue(queue), "Allow");
  assert.equal(onQueue("arn:aws:sqs:us-east-1:111122223333:other"), "ImplicitDeny");
  assert.equal(onQueue("arn:aws:sqs:*:111122223333:*"), "Allow");
});

const identity = (decision?: "ExplicitDeny" | "ImplicitDeny") => ({ decide: () => (decision ? { decision, policyType: "identity-based" as const } : undefined) });

test("same account: either policy allows; another account: both must; an explicit Deny in either refuses", () => {
  const allowAll = policy([{ Effect: "Allow", Principal: "*", Action: "ecr:*" }]);
  const denyAll = policy([{ Effect: "Deny", Principal: "*", Action: "ecr:*" }]);
  const denial = (who: Principal, own: ReturnType<typeof identity>, policyText: string | undefined) =>
    resourceAccessDenial(who, own, { action: "ecr:BatchGetImage", resource, policyText, clock });
  assert.equal(denial(alice, identity(), undefined), undefined);
  assert.equal(denial(alice, identity("ImplicitDeny"), allowAll), undefined);
  assert.match(denial(alice, identity(), denyAll)!, /with an explicit deny in a resource-based policy$/);
  assert.match(denial(alice, identity("ExplicitDeny"), allowAll)!, /with an explicit deny in an identity-based policy$/);
  assert.match(denial(bob, identity(), undefined)!, /because no resource-based policy allows the ecr:BatchGetImage action$/);
  assert.match(denial(bob, identity("ImplicitDeny"), allowAll)!, /because no identity-based policy allows the ecr:BatchGetImage action$/);
  assert.equal(denial(bob, identity(), allowAll), undefined);
});
