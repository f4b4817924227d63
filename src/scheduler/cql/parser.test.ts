import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCql, printCql, type CqlNode } from "./index.js";

function ok(source: string): CqlNode {
  const r = parseCql(source);
  if (!r.ok) assert.fail(`${source}: ${r.error.message}`);
  return r.ast;
}

/** Asserts the expression is refused at `column` (1-based) with an expectation matching `expected`. */
function bad(source: string, column: number, expected: RegExp) {
  const r = parseCql(source);
  assert.equal(r.ok, false, `${source} should be invalid`);
  if (r.ok) return;
  assert.equal(r.error.column, column, `${source}: ${r.error.message}`);
  assert.equal(r.error.offset, column - 1);
  assert.match(r.error.expected, expected);
  assert.match(r.error.message, new RegExp(`column ${column}`));
}

test("every example from ECS's cluster query language guide parses", () => {
  const examples = [
    "attribute:ecs.instance-type == t2.small",
    "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
    "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
    "task:group == service:production",
    "not(task:group == database)",
    "runningTasksCount == 1",
    "agentVersion < 1.14.5",
    "registeredAt < 2018-02-13",
    "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']",
    "attribute:stack != prod",
    "attribute:ecs.instance-type in [t2.small, t2.medium]",
    "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a",
    "(attribute:ecs.instance-type == t2.small or attribute:ecs.instance-type == t2.medium) and attribute:stack exists",
  ];
  for (const e of examples) ok(e);
});

test("a predicate becomes a typed node", () => {
  assert.deepEqual(ok("attribute:ecs.instance-type == t2.small"), {
    kind: "compare",
    subject: { kind: "attribute", name: "ecs.instance-type" },
    op: "==",
    value: { text: "t2.small" },
  });
  assert.deepEqual(ok("runningTasksCount >= 3"), {
    kind: "compare",
    subject: { kind: "runningTasksCount" },
    op: ">=",
    value: { text: "3", number: 3 },
  });
  const at = ok("registeredAt > 2018-06-18T22:28:28+02:00");
  assert.equal(at.kind === "compare" && at.value.number, Date.UTC(2018, 5, 18, 20, 28, 28));
  assert.deepEqual(ok("ec2InstanceId not_in ('i-1', \"i-2\")"), {
    kind: "in",
    subject: { kind: "ec2InstanceId" },
    values: ["i-1", "i-2"],
    negated: true,
  });
  assert.deepEqual(ok("attribute:gpu !exists"), { kind: "exists", subject: { kind: "attribute", name: "gpu" }, negated: true });
});

test("word and symbol spellings of operators mean the same", () => {
  const pairs: [string, string][] = [
    ["attribute:a equals x", "attribute:a == x"],
    ["attribute:a not_equals x", "attribute:a != x"],
    ["attribute:a greater_than 1", "attribute:a > 1"],
    ["attribute:a greater_than_equal 1", "attribute:a >= 1"],
    ["attribute:a less_than 1", "attribute:a < 1"],
    ["attribute:a less_than_equal 1", "attribute:a <= 1"],
    ["attribute:a not_exists", "attribute:a !exists"],
    ["attribute:a not_in [x]", "attribute:a !in [x]"],
    ["attribute:a matches x.*", "attribute:a =~ x.*"],
    ["attribute:a not_matches x.*", "attribute:a !~ x.*"],
    ["attribute:a exists and attribute:b exists", "attribute:a exists && attribute:b exists"],
    ["attribute:a exists or attribute:b exists", "attribute:a exists || attribute:b exists"],
    ["not attribute:a exists", "!attribute:a exists"],
    ["attribute:a exists AND NOT attribute:b exists", "attribute:a exists and not attribute:b exists"],
  ];
  for (const [a, b] of pairs) assert.equal(printCql(ok(a)), printCql(ok(b)), a);
});

test("not binds tighter than and, and tighter than or; parentheses override", () => {
  assert.equal(printCql(ok("attribute:a exists or attribute:b exists and attribute:c exists")), "(attribute:a exists or (attribute:b exists and attribute:c exists))");
  assert.equal(printCql(ok("not attribute:a exists and attribute:b exists")), "(not attribute:a exists and attribute:b exists)");
  assert.equal(printCql(ok("(attribute:a exists or attribute:b exists) and attribute:c exists")), "((attribute:a exists or attribute:b exists) and attribute:c exists)");
  assert.equal(printCql(ok("not (attribute:a exists or attribute:b exists)")), "not (attribute:a exists or attribute:b exists)");
  // and / or associate to the left
  assert.equal(printCql(ok("attribute:a exists or attribute:b exists or attribute:c exists")), "((attribute:a exists or attribute:b exists) or attribute:c exists)");
});

test("a bare pattern keeps its own parentheses and brackets; an enclosing group still closes", () => {
  const n = ok("(attribute:ecs.instance-type =~ (t2|t3)\\.[a-z]+ or attribute:x exists)");
  assert.equal(n.kind, "or");
  const m = n.kind === "or" ? n.left : n;
  assert.equal(m.kind === "match" && m.pattern, "(t2|t3)\\.[a-z]+");
  const q = ok("attribute:t =~ 't3\\.micro'");
  assert.equal(q.kind === "match" && q.pattern, "t3\\.micro");
});

test("quoted arguments may hold blanks and escaped quotes", () => {
  const n = ok("attribute:team == 'data platform' and attribute:q == 'it\\'s'");
  assert.equal(printCql(n), "(attribute:team == 'data platform' and attribute:q == 'it\\'s')");
});

test("printing then parsing gives the same tree", () => {
  for (const e of [
    "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
    "not(task:group == database) or runningTasksCount < 4 and registeredAt >= 2018-06-18",
    "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890'] || agentConnected == true",
  ]) {
    const once = ok(e);
    assert.deepEqual(ok(printCql(once)), once);
  }
});

test("invalid expressions say where and what was expected", () => {
  bad("", 1, /subject/);
  bad("   ", 4, /subject/);
  bad("foo == bar", 1, /subject \(attribute:<name>/);
  bad("attribute:ecs.instance-type", 28, /operator/);
  bad("attribute:ecs.instance-type ==", 31, /argument/);
  bad("attribute:ecs.instance-type === t2", 31, /argument/);
  bad("attribute: == x", 11, /attribute name/);
  bad("attribute:a ~= x", 13, /operator/);
  bad("runningTasksCount == many", 22, /whole number/);
  bad("runningTasksCount =~ 1.*", 19, /operator valid for runningTasksCount/);
  bad("ec2InstanceId > i-1", 15, /operator valid for ec2InstanceId/);
  bad("registeredAt < 2018-13-01", 16, /date/);
  bad("registeredAt < 2018-02-30", 16, /date/);
  bad("(attribute:a == b", 18, /"\)"/);
  bad("attribute:a == b)", 17, /and, or or the end/);
  bad("attribute:a == b c", 18, /and, or, \) or the end/);
  bad("attribute:a == b and", 21, /subject/);
  bad("attribute:a in x", 16, /argument list/);
  bad("attribute:a in [x,", 19, /value/);
  bad("attribute:a in [x y]", 19, /"," or "\]"/);
  bad("attribute:a in []", 17, /value/);
  bad("attribute:a == 'open", 16, /closing '/);
  bad("attribute:a =~ (a+)+", 16, /quantified group/);
  bad("attribute:a =~ [z-a]", 16, /regular expression/);
  bad("not", 4, /subject/);
  bad("(attribute:a) == b", 13, /operator/);
});

test("an expression longer than 2,000 characters is refused", () => {
  const long = "attribute:a == " + "x".repeat(2000);
  const r = parseCql(long);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.expected, /2000/);
});

test("property: 2,000 random expression trees print and parse back to themselves", async () => {
  const { Gen, genExpression } = await import("../testing/generate.js");
  for (let seed = 1; seed <= 2000; seed++) {
    const tree = genExpression(new Gen(seed));
    const text = printCql(tree);
    const back = parseCql(text);
    assert.ok(back.ok, `seed ${seed}: ${text}`);
    if (back.ok) assert.deepEqual(back.ast, tree, `seed ${seed}: ${text}`);
  }
});
