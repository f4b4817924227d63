import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateLifecycle, matchesPattern, type LifecycleImage } from "./lifecycle-evaluate.js";
import { parseLifecyclePolicy } from "./lifecycle-policy.js";

const NOW = new Date("2025-06-01T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;

/** An image named `name` (its digest, for readable assertions), pushed `days` days before NOW. */
const img = (name: string, tags: string[], days: number, extra: Partial<LifecycleImage> = {}): LifecycleImage =>
  ({ digest: name, tags, pushedAt: new Date(NOW.getTime() - days * DAY), ...extra });

type Sel = Record<string, unknown>;
const policy = (...rules: Array<[number, Sel]>) =>
  parseLifecyclePolicy(JSON.stringify({ rules: rules.map(([rulePriority, selection]) => ({ rulePriority, selection, action: { type: "expire" } })) }));

const expired = (images: LifecycleImage[], p: ReturnType<typeof policy>) =>
  Object.fromEntries(evaluateLifecycle(images, p, NOW).map((e) => [e.digest, e.rulePriority]));

const prefixCount = (prefixes: string[], n: number): Sel => ({ tagStatus: "tagged", tagPrefixList: prefixes, countType: "imageCountMoreThan", countNumber: n });

// The repository of "Filtering on multiple rules", examples A and B.
const multi = [img("A", ["beta-1", "prod-1"], 10), img("B", ["beta-2", "prod-2"], 9), img("C", ["beta-3"], 8)];

test("docs, multiple rules A: an image matched by a higher-priority rule is not expired by a lower one", () => {
  // Rule 2 would mark A and B; A is already expired, and B matched rule 1 (prod), so is skipped.
  assert.deepEqual(expired(multi, policy([1, prefixCount(["prod"], 1)], [2, prefixCount(["beta"], 1)])), { A: 1 });
});

test("docs, multiple rules B: the same rules in the other priority order", () => {
  assert.deepEqual(expired(multi, policy([1, prefixCount(["beta"], 1)], [2, prefixCount(["prod"], 1)])), { A: 1, B: 1 });
});

const alphaBeta = [
  img("A", ["alpha-1"], 12), img("B", ["beta-1"], 11), img("C", ["alpha-2", "beta-2"], 10),
  img("D", ["alpha-3"], 4), img("E", ["beta-3"], 3), img("F", ["alpha-4", "beta-4"], 2),
];

test("docs, multiple tags A: several prefixes select only images carrying all of them; sinceImagePushed by age", () => {
  const p = policy([1, { tagStatus: "tagged", tagPrefixList: ["alpha", "beta"], countType: "sinceImagePushed", countUnit: "days", countNumber: 5 }]);
  assert.deepEqual(expired(alphaBeta, p), { C: 1 });
});

test("docs, multiple tags B: tags are not exclusive (an image with more tags still matches)", () => {
  const images = [img("A", ["alpha-1", "beta-1", "gamma-1"], 10), img("B", ["alpha-2", "beta-2"], 9), img("C", ["alpha-3", "beta-3", "gamma-2"], 8)];
  assert.deepEqual(expired(images, policy([1, prefixCount(["alpha", "beta"], 1)])), { A: 1, B: 1 });
});

test("docs, all images A: tagStatus any keeps the newest N whatever their tags", () => {
  const images = [img("A", ["alpha-1"], 4), img("B", ["beta-1"], 3), img("C", [], 2), img("D", ["alpha-2"], 1)];
  assert.deepEqual(expired(images, policy([1, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 1 }])), { A: 1, B: 1, C: 1 });
});

test("docs, all images B: every rule type in one policy; `any` counts images claimed by earlier rules but expires none of them", () => {
  // D and E were both pushed "1 day ago"; E after D, so E is the newest.
  const images = [img("A", ["alpha-1", "beta-1"], 4), img("B", [], 3), img("C", ["alpha-2"], 2), img("D", ["git-hash"], 1.01), img("E", [], 1)];
  const p = policy(
    [1, prefixCount(["alpha"], 1)],
    [2, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 }],
    [3, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 1 }],
  );
  assert.deepEqual(expired(images, p), { A: 1, B: 2, D: 3 });
});

test("docs, image age and count: untagged older than 14 days; keep only one untagged image", () => {
  const images = [img("old", [], 20), img("mid", [], 14.5), img("new", [], 1), img("tagged-old", ["v1"], 30)];
  const age = policy([1, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }]);
  assert.deepEqual(expired(images, age), { old: 1, mid: 1 });
  const count = policy([1, { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 1 }]);
  assert.deepEqual(expired(images, count), { old: 1, mid: 1 });
});

test("docs, tagPatternList prod* older than 14 days", () => {
  const images = [img("p1", ["prod"], 20), img("p2", ["prod-2", "x"], 15), img("p3", ["production"], 3), img("s", ["staging"], 30)];
  const p = policy([1, { tagStatus: "tagged", tagPatternList: ["prod*"], countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }]);
  assert.deepEqual(expired(images, p), { p1: 1, p2: 1 });
});

test("age is strictly older than countNumber days", () => {
  const images = [img("exact", [], 14), img("older", [], 14.0001)];
  assert.deepEqual(expired(images, policy([1, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }])), { older: 1 });
});

test("sinceImagePulled counts from the last recorded pull, or the push when never pulled", () => {
  const images = [
    img("pulled-lately", [], 40, { lastPullAt: new Date(NOW.getTime() - 2 * DAY) }),
    img("pulled-long-ago", [], 40, { lastPullAt: new Date(NOW.getTime() - 31 * DAY) }),
    img("never-pulled-old", [], 40),
    img("never-pulled-new", [], 3),
  ];
  const p = policy([1, { tagStatus: "any", countType: "sinceImagePulled", countUnit: "days", countNumber: 30 }]);
  assert.deepEqual(expired(images, p), { "pulled-long-ago": 1, "never-pulled-old": 1 });
});

test("imageCountMoreThan keeps the newest N by push time; ties broken by digest, deterministically", () => {
  const images = [img("b", ["v"], 1), img("a", ["v"], 1), img("c", ["v"], 2)];
  const p = policy([1, { tagStatus: "tagged", tagPrefixList: ["v"], countType: "imageCountMoreThan", countNumber: 1 }]);
  assert.deepEqual(expired(images, p), { a: 1, c: 1 });
  assert.deepEqual(expired([...images].reverse(), p), { a: 1, c: 1 });
});

test("an image listed by an index that stays is kept; an expiring index comes before what it lists", () => {
  const images = [
    img("child-1", [], 30), img("child-2", [], 30), img("index-kept", ["v1"], 30, { children: ["child-1"] }),
    img("child-3", [], 30), img("index-gone", [], 30, { children: ["child-3"] }),
  ];
  const p = policy([1, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 }]);
  const order = evaluateLifecycle(images, p, NOW).map((e) => e.digest);
  assert.deepEqual(new Set(order), new Set(["child-2", "child-3", "index-gone"]));
  assert.ok(order.indexOf("index-gone") < order.indexOf("child-3"));
});

test("nothing matches: nothing expires; an empty repository is fine", () => {
  assert.deepEqual(expired([img("x", ["v1"], 100)], policy([1, prefixCount(["prod"], 1)])), {});
  assert.deepEqual(expired([], policy([1, prefixCount(["prod"], 1)])), {});
});

test("matchesPattern: * matches any run, the rest literally, the whole tag", () => {
  assert.ok(matchesPattern("prod*", "prod"));
  assert.ok(matchesPattern("prod*", "prod-1"));
  assert.ok(!matchesPattern("prod*", "xprod"));
  assert.ok(matchesPattern("*test*1*2*3", "my-test-1-2-3"));
  assert.ok(!matchesPattern("*test*1*2*3", "my-test-1-2-3-4"));
  assert.ok(matchesPattern("test*1*2*3*", "test123"));
  assert.ok(matchesPattern("a*a", "aa"));
  assert.ok(!matchesPattern("a*a", "a"));
  assert.ok(matchesPattern("v1.*", "v1.2"));
  assert.ok(!matchesPattern("v1.*", "v102"));
  assert.ok(matchesPattern("*", "anything"));
  assert.ok(matchesPattern("exact", "exact"));
  assert.ok(!matchesPattern("exact", "exact2"));
  assert.ok(!matchesPattern("*ab*ab*", "aba"));
});

test("the archive storage class: transition rules act on standard images, archive rules on archived ones", () => {
  const p = parseLifecyclePolicy(JSON.stringify({ rules: [
    { rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 1 }, action: { type: "transition", targetStorageClass: "archive" } },
    { rulePriority: 2, selection: { tagStatus: "any", storageClass: "archive", countType: "sinceImageTransitioned", countUnit: "days", countNumber: 90 }, action: { type: "expire" } },
  ] }));
  const images = [
    img("new", ["v3"], 1), img("old", ["v2"], 5),
    // Archived long ago (expired), lately (kept), and one archived but pushed long ago, which counts from its archiving.
    img("gone", ["v0"], 400, { storageClass: "archive", archivedAt: new Date(NOW.getTime() - 100 * DAY) }),
    img("resting", ["v1"], 400, { storageClass: "archive", archivedAt: new Date(NOW.getTime() - 10 * DAY) }),
  ];
  const result = evaluateLifecycle(images, p, NOW).map((e) => [e.digest, e.action, e.rulePriority]);
  assert.deepEqual(result.sort(), [["gone", "expire", 2], ["old", "transition", 1]]);
});
