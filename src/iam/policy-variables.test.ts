import { test } from "node:test";
import assert from "node:assert/strict";
import { substituteVariables, valueMatcher } from "./policy-variables.js";
import { evaluatePolicies } from "./policy-evaluation.js";
import { parsePolicyDocument } from "./policy-document.js";

const ctx = { "aws:username": ["bob"], "aws:principaltag/team": ["blue"], "aws:tagkeys": ["a", "b"], "odd": ["a*b?"] };

test("a variable becomes its context value, as literal text; the key is case-insensitive", () => {
  assert.deepEqual(substituteVariables("arn:aws:ssm:us-east-1:1:parameter/users/${aws:username}/*", ctx), [
    { text: "arn:aws:ssm:us-east-1:1:parameter/users/", literal: false }, { text: "bob", literal: true }, { text: "/*", literal: false },
  ]);
  assert.deepEqual(substituteVariables("${AWS:UserName}", ctx), [{ text: "bob", literal: true }]);
  assert.deepEqual(substituteVariables("${aws:PrincipalTag/team}-x", ctx), [{ text: "blue", literal: true }, { text: "-x", literal: false }]);
});

test("a variable without a value, or with several, leaves nothing to match unless it has a default", () => {
  assert.equal(substituteVariables("a/${aws:userid}", ctx), undefined);
  assert.equal(substituteVariables("${aws:TagKeys}", ctx), undefined);
  assert.deepEqual(substituteVariables("${aws:userid, 'nobody'}", ctx), [{ text: "nobody", literal: true }]);
  // Spaces around the key and the default are ignored; '' inside the default is one quote; the default is not substituted again.
  assert.deepEqual(substituteVariables("${ aws:userid , 'it''s ${aws:username}' }", ctx), [{ text: "it's ${aws:username}", literal: true }]);
  // The key has a value: the default is not used.
  assert.deepEqual(substituteVariables("${aws:username, 'x'}", ctx), [{ text: "bob", literal: true }]);
});

test("${*}, ${?} and ${$} are the characters themselves, never wildcards; an unclosed ${ is text", () => {
  assert.deepEqual(substituteVariables("a${*}b${?}c${$}d", ctx), [{ text: "a", literal: false }, { text: "*", literal: true }, { text: "b", literal: false },
    { text: "?", literal: true }, { text: "c", literal: false }, { text: "$", literal: true }, { text: "d", literal: false }]);
  const literalStar = valueMatcher("file${*}", ctx, { variables: true, glob: true })!;
  assert.ok(literalStar.test("file*"));
  assert.ok(!literalStar.test("file1"));
  assert.deepEqual(substituteVariables("cost ${5", ctx), [{ text: "cost ${5", literal: false }]);
});

test("substituted text stays literal in a glob: a value with * matches only itself", () => {
  const m = valueMatcher("x/${odd}/*", ctx, { variables: true, glob: true })!;
  assert.ok(m.test("x/a*b?/anything"));
  assert.ok(!m.test("x/aXXbY/anything"));
  // Without variables (an older Version), ${...} is plain text.
  assert.ok(valueMatcher("${aws:username}", ctx, { variables: false, glob: true })!.test("${aws:username}"));
  assert.equal(valueMatcher("${aws:userid}", ctx, { variables: true, glob: true }), undefined);
});

const doc = (version: string | undefined, statements: object[]) =>
  parsePolicyDocument(JSON.stringify({ ...(version ? { Version: version } : {}), Statement: statements }), "identity");

test("policies use variables in Resource and Condition values only with Version 2012-10-17", () => {
  const statements = [
    { Effect: "Allow", Action: "ssm:GetParameter", Resource: "arn:aws:ssm:us-east-1:1:parameter/users/${aws:username}/*" },
    { Effect: "Allow", Action: "ecs:ListClusters", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/owner": "${aws:username}" } } },
  ];
  const context = { "aws:username": "bob" };
  const modern = doc("2012-10-17", statements);
  assert.equal(evaluatePolicies([modern], { action: "ssm:GetParameter", resource: "arn:aws:ssm:us-east-1:1:parameter/users/bob/key", context }), "Allow");
  assert.equal(evaluatePolicies([modern], { action: "ssm:GetParameter", resource: "arn:aws:ssm:us-east-1:1:parameter/users/alice/key", context }), "ImplicitDeny");
  assert.equal(evaluatePolicies([modern], { action: "ecs:ListClusters", resource: "*", context: { ...context, "aws:ResourceTag/owner": "bob" } }), "Allow");
  assert.equal(evaluatePolicies([modern], { action: "ecs:ListClusters", resource: "*", context: { ...context, "aws:ResourceTag/owner": "alice" } }), "ImplicitDeny");
  // A role session has no aws:username: the statement matches nothing.
  assert.equal(evaluatePolicies([modern], { action: "ssm:GetParameter", resource: "arn:aws:ssm:us-east-1:1:parameter/users//key", context: {} }), "ImplicitDeny");
  const old = doc("2008-10-17", statements);
  assert.equal(evaluatePolicies([old], { action: "ssm:GetParameter", resource: "arn:aws:ssm:us-east-1:1:parameter/users/bob/key", context }), "ImplicitDeny");
  assert.equal(evaluatePolicies([old], { action: "ssm:GetParameter", resource: "arn:aws:ssm:us-east-1:1:parameter/users/${aws:username}/key", context }), "Allow");
});
