import { test } from "node:test";
import assert from "node:assert/strict";
import { formatPolicyText } from "./policy-text.js";

test("policy text is re-serialised the way ECR (Jackson's pretty printer) writes it", () => {
  const policy = {
    Version: "2008-10-17",
    Statement: [{
      Sid: "new statement", Effect: "Allow", Principal: { AWS: "arn:aws:iam::012345678901:role/CodeDeployDemo" },
      Action: ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability"],
    }],
  };
  assert.equal(formatPolicyText(policy), [
    "{",
    '  "Version" : "2008-10-17",',
    '  "Statement" : [ {',
    '    "Sid" : "new statement",',
    '    "Effect" : "Allow",',
    '    "Principal" : {',
    '      "AWS" : "arn:aws:iam::012345678901:role/CodeDeployDemo"',
    "    },",
    '    "Action" : [ "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability" ]',
    "  } ]",
    "}",
  ].join("\n"));
});

test("empty containers, scalars and escapes", () => {
  assert.equal(formatPolicyText({ a: {}, b: [], c: [1, true, null], d: 'q"\n' }), '{\n  "a" : { },\n  "b" : [ ],\n  "c" : [ 1, true, null ],\n  "d" : "q\\"\\n"\n}');
  assert.equal(formatPolicyText([{ x: 1 }, { y: 2 }]), '[ {\n  "x" : 1\n}, {\n  "y" : 2\n} ]');
});
