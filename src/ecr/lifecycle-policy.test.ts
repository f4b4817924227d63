import { test } from "node:test";
import assert from "node:assert/strict";
import { ServiceError } from "../core/errors.js";
import { formatLifecyclePolicy, parseLifecyclePolicy } from "./lifecycle-policy.js";

const PREAMBLE = "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";

const rule = (selection: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ rulePriority: 1, selection, action: { type: "expire" }, ...extra });
const untaggedCount = { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 3 };

function rejects(doc: unknown, detail: string) {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  assert.throws(() => parseLifecyclePolicy(text), (e: unknown) => {
    assert.ok(e instanceof ServiceError);
    assert.equal(e.code, "InvalidParameterException");
    assert.equal(e.message, `${PREAMBLE}${detail}'`);
    return true;
  });
}

test("a valid policy parses, with rules sorted by priority", () => {
  const p = parseLifecyclePolicy(JSON.stringify({
    rules: [
      rule({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }, { rulePriority: 9 }),
      rule({ tagStatus: "tagged", tagPrefixList: ["prod"], countType: "imageCountMoreThan", countNumber: 5 }, { rulePriority: 1, description: "keep 5 prod" }),
      rule({ tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }, { rulePriority: 2 }),
      rule({ tagStatus: "tagged", tagPatternList: ["*test*1*2*3", "test*1*2*3*"], countType: "sinceImagePulled", countUnit: "days", countNumber: 30, storageClass: "standard" }, { rulePriority: 3 }),
    ],
  }));
  assert.deepEqual(p.rules.map((r) => r.rulePriority), [1, 2, 3, 9]);
  assert.equal(p.rules[0]!.description, "keep 5 prod");
  assert.deepEqual(p.rules[1]!.selection, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 });
});

test("formatLifecyclePolicy: compact, priority order, documented member order; parses back to the same policy", () => {
  const text = JSON.stringify({ rules: [rule({ countNumber: 1, countType: "imageCountMoreThan", tagStatus: "any" }, { rulePriority: 2 }), rule(untaggedCount)] });
  const formatted = formatLifecyclePolicy(parseLifecyclePolicy(text));
  assert.equal(formatted,
    '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}},' +
    '{"rulePriority":2,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}');
  assert.deepEqual(parseLifecyclePolicy(formatted), parseLifecyclePolicy(text));
});

test("not JSON, or not an object: Could not map policyString", () => {
  rejects("some invalid input", "Could not map policyString into LifecyclePolicy.");
  rejects([rule(untaggedCount)], "Could not map policyString into LifecyclePolicy.");
  rejects("null", "Could not map policyString into LifecyclePolicy.");
});

test("schema: missing, unknown and mistyped members are reported in the validator's words", () => {
  rejects({ no_rules: 1 }, 'object has missing required properties (["rules"])');
  rejects({ rules: [], extra: 1 }, 'object instance has properties which are not allowed by the schema: (["extra"])');
  rejects({ rules: { rulePriority: 1 } }, 'instance type (object) does not match any allowed primitive type (allowed: ["array"])');
  rejects({ rules: [] }, "array is too short: must have at least 1 elements but instance has 0 elements");
  rejects({ rules: ["x"] }, 'instance type (string) does not match any allowed primitive type (allowed: ["object"])');
  rejects({ rules: [{ selection: untaggedCount }] }, 'object has missing required properties (["action","rulePriority"])');
  rejects({ rules: [rule(untaggedCount, { unknown: 1 })] }, 'object instance has properties which are not allowed by the schema: (["unknown"])');
  rejects({ rules: [rule(untaggedCount, { rulePriority: "1" })] }, 'instance type (string) does not match any allowed primitive type (allowed: ["integer"])');
  rejects({ rules: [rule(untaggedCount, { rulePriority: 0 })] }, "numeric instance is lower than the required minimum (minimum: 1, found: 0)");
  rejects({ rules: [rule(untaggedCount, { action: {} })] }, 'object has missing required properties (["type"])');
  rejects({ rules: [rule(untaggedCount, { action: { type: "keep" } })] }, 'instance value (keep) not found in enum :(possible values: ["expire","transition"])');
  rejects({ rules: [rule({ countType: "imageCountMoreThan", countNumber: 1 })] }, 'object has missing required properties (["tagStatus"])');
  rejects({ rules: [rule({ ...untaggedCount, tagStatus: "some" })] }, 'instance value (some) not found in enum :(possible values: ["any","tagged","untagged"])');
  rejects({ rules: [rule({ ...untaggedCount, countNumber: 0 })] }, "numeric instance is lower than the required minimum (minimum: 1, found: 0)");
  rejects({ rules: [rule({ ...untaggedCount, countNumber: -1 })] }, "numeric instance is lower than the required minimum (minimum: 1, found: -1)");
  rejects({ rules: [rule({ ...untaggedCount, countNumber: 1.5 })] }, 'instance type (number) does not match any allowed primitive type (allowed: ["integer"])');
  rejects({ rules: [rule({ tagStatus: "tagged", tagPrefixList: "prod", countType: "imageCountMoreThan", countNumber: 1 })] },
    'instance type (string) does not match any allowed primitive type (allowed: ["array"])');
});

test("count types: a count takes no unit, an age needs `days`", () => {
  const oneOf = "instance failed to match exactly one schema (matched 0 out of 2)";
  rejects({ rules: [rule({ ...untaggedCount, countType: "unknown" })] }, oneOf);
  rejects({ rules: [rule({ ...untaggedCount, countUnit: "days" })] }, oneOf);
  rejects({ rules: [rule({ ...untaggedCount, countType: "sinceImagePushed" })] }, oneOf);
  rejects({ rules: [rule({ ...untaggedCount, countType: "sinceImagePushed", countUnit: "hours" })] }, 'instance value (hours) not found in enum :(possible values: ["days"])');
});

test("tag filters: tagged needs exactly one list; untagged and any take none; patterns have at most 4 wildcards", () => {
  const count = { countType: "imageCountMoreThan", countNumber: 1 };
  rejects({ rules: [rule({ tagStatus: "tagged", ...count })] }, "Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.");
  rejects({ rules: [rule({ tagStatus: "tagged", tagPrefixList: [], ...count })] }, "Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.");
  rejects({ rules: [rule({ tagStatus: "tagged", tagPrefixList: ["a"], tagPatternList: ["a*"], ...count })] },
    "If policy has a tagged rule, it must specify only one of tagPrefixList or tagPatternList.");
  rejects({ rules: [rule({ tagStatus: "untagged", tagPrefixList: ["a"], ...count })] }, "Cannot specify tagPrefixList with tagStatus untagged.");
  rejects({ rules: [rule({ tagStatus: "any", tagPatternList: [], ...count })] }, "Cannot specify tagPatternList with tagStatus any.");
  rejects({ rules: [rule({ tagStatus: "tagged", tagPatternList: ["test*1*2*3*4*5*6"], ...count })] }, "Invalid tag pattern provided.");
  parseLifecyclePolicy(JSON.stringify({ rules: [rule({ tagStatus: "tagged", tagPatternList: ["*test*1*2*3", "test*1*2*3*"], ...count })] }));
});

test("across rules: unique priorities, one untagged rule, `any` last and alone", () => {
  const count = { countType: "imageCountMoreThan", countNumber: 1 };
  rejects({ rules: [rule({ tagStatus: "tagged", tagPrefixList: ["a"], ...count }), rule({ tagStatus: "tagged", tagPrefixList: ["b"], ...count })] },
    "Rule priorities must be unique.");
  rejects({ rules: [rule(untaggedCount), rule(untaggedCount, { rulePriority: 2 })] }, "Only one rule can select Untagged images per storage class.");
  rejects({ rules: [rule({ tagStatus: "any", ...count }), rule(untaggedCount, { rulePriority: 2 })] },
    "Rule for tagStatus=ANY must have the lowest priority per storage class.");
  rejects({ rules: [rule({ tagStatus: "any", ...count }), rule({ tagStatus: "any", ...count }, { rulePriority: 2 })] },
    "Rule for tagStatus=ANY must have the lowest priority per storage class.");
});

test("the archive storage class: transition rules for standard images, expiry rules for archived ones", () => {
  const transition = { type: "transition", targetStorageClass: "archive" };
  const policy = parseLifecyclePolicy(JSON.stringify({ rules: [
    rule({ tagStatus: "any", countType: "sinceImagePulled", countUnit: "days", countNumber: 30 }, { rulePriority: 2, action: transition }),
    rule({ tagStatus: "any", storageClass: "archive", countType: "sinceImageTransitioned", countUnit: "days", countNumber: 90 }, { rulePriority: 3 }),
    rule(untaggedCount),
  ] }));
  assert.deepEqual(policy.rules.map((r) => [r.rulePriority, r.action]), [[1, { type: "expire" }], [2, { type: "transition", targetStorageClass: "archive" }], [3, { type: "expire" }]]);
  assert.match(formatLifecyclePolicy(policy), /"action":\{"type":"transition","targetStorageClass":"archive"\}/);

  rejects({ rules: [rule(untaggedCount, { action: { type: "transition" } })] }, "targetStorageClass is required when action type is transition.");
  rejects({ rules: [rule(untaggedCount, { action: { type: "expire", targetStorageClass: "archive" } })] }, "targetStorageClass can only be specified when action type is transition.");
  rejects({ rules: [rule(untaggedCount, { action: { type: "transition", targetStorageClass: "glacier" } })] }, 'instance value (glacier) not found in enum :(possible values: ["archive"])');
  rejects({ rules: [rule({ ...untaggedCount, storageClass: "archive" }, { action: transition })] }, "Transition action is not supported for rules with storageClass archive.");
  rejects({ rules: [rule({ ...untaggedCount, countType: "sinceImageTransitioned", countUnit: "days" })] }, "countType sinceImageTransitioned is only supported with storageClass archive.");
  rejects({ rules: [rule({ ...untaggedCount, storageClass: "cold" })] }, 'instance value (cold) not found in enum :(possible values: ["archive","standard"])');
  // The per-storage-class rules count each class apart.
  parseLifecyclePolicy(JSON.stringify({ rules: [rule(untaggedCount), rule({ ...untaggedCount, storageClass: "archive" }, { rulePriority: 2 })] }));
});
