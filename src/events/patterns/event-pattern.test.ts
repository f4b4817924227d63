import { test } from "node:test";
import assert from "node:assert/strict";
import { compileEventPattern } from "./event-pattern.js";
import { PatternError } from "./pattern-error.js";

const matches = (pattern: unknown, event: unknown) => compileEventPattern(JSON.stringify(pattern)).matches(event);
const refused = (pattern: string) => {
  try {
    compileEventPattern(pattern);
  } catch (err) {
    assert.ok(err instanceof PatternError);
    return err.message;
  }
  assert.fail(`accepted ${pattern}`);
};

// The EC2 instance state-change event of the user guide's "Amazon EventBridge event patterns".
const ec2 = {
  version: "0", id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2", account: "111122223333", time: "2017-12-22T18:43:48Z", region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

test("exact values: any value of the list; every field; nested fields", () => {
  assert.ok(matches({ source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] }, ec2));
  assert.ok(matches({ detail: { state: ["pending", "terminated"] } }, ec2));
  assert.ok(!matches({ detail: { state: ["pending"] } }, ec2));
  assert.ok(!matches({ source: ["aws.ec2"], detail: { state: ["running"] } }, ec2));
  // Strings are case-sensitive; a string never matches a number.
  assert.ok(!matches({ source: ["AWS.EC2"] }, ec2));
  assert.ok(!matches({ detail: { n: ["5"] } }, { detail: { n: 5 } }));
  assert.ok(matches({ detail: { n: [5] } }, { detail: { n: 5 } }));
  assert.ok(matches({ detail: { n: [300] } }, { detail: { n: 3.0e2 } }));
});

test("arrays: an event array matches when any element does", () => {
  assert.ok(matches({ resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "other"] }, ec2));
  assert.ok(!matches({ resources: ["other"] }, ec2));
  assert.ok(matches({ detail: { items: { id: ["b"] } } }, { detail: { items: [{ id: "a" }, { id: "b" }] } }));
  // The fields of an object in an array match within one element, as EventBridge's ruler does.
  const items = { detail: { items: [{ id: "a", n: 1, tag: { k: "x" } }, { id: "b", n: 2, tag: { k: "y" } }] } };
  assert.ok(!matches({ detail: { items: { id: ["a"], n: [2] } } }, items));
  assert.ok(matches({ detail: { items: { id: ["b"], n: [2] } } }, items));
  assert.ok(!matches({ detail: { items: { id: ["a"], tag: { k: ["y"] } } } }, items));
  assert.ok(matches({ detail: { items: { id: ["a"], $or: [{ n: [1] }, { tag: { k: ["z"] } }] } } }, items));
  assert.ok(!matches({ detail: { items: { id: ["a"], $or: [{ n: [2] }, { tag: { k: ["y"] } }] } } }, items));
});

test("null and empty values", () => {
  const event = { detail: { "responseElements": null, eventVersion: "" } };
  assert.ok(matches({ detail: { responseElements: [null] } }, event));
  assert.ok(matches({ detail: { eventVersion: [""] } }, event));
  assert.ok(!matches({ detail: { eventVersion: [null] } }, event));
  assert.ok(!matches({ detail: { missing: [null] } }, event));
});

test("prefix and suffix, also ignoring case", () => {
  const event = { time: "2017-10-02T18:43:48Z", detail: { "FileName": "image.png", location: "us-east-1a" } };
  assert.ok(matches({ time: [{ prefix: "2017-10-02" }] }, event));
  assert.ok(!matches({ time: [{ prefix: "2018" }] }, event));
  assert.ok(matches({ detail: { FileName: [{ suffix: ".png" }] } }, event));
  assert.ok(!matches({ detail: { FileName: [{ suffix: ".PNG" }] } }, event));
  assert.ok(matches({ detail: { FileName: [{ suffix: { "equals-ignore-case": ".PNG" } }] } }, event));
  assert.ok(matches({ detail: { location: [{ prefix: { "equals-ignore-case": "US-EAST" } }] } }, event));
});

test("anything-but: values, lists, prefix, suffix, equals-ignore-case, wildcard", () => {
  const event = { detail: { state: "running", x: 400, FileName: "a.txt", location: "us-east-1" } };
  assert.ok(matches({ detail: { state: [{ "anything-but": "initializing" }] } }, event));
  assert.ok(!matches({ detail: { state: [{ "anything-but": ["stopped", "running"] }] } }, event));
  assert.ok(matches({ detail: { x: [{ "anything-but": [100, 200, 300] }] } }, event));
  assert.ok(!matches({ detail: { x: [{ "anything-but": 400 }] } }, event));
  assert.ok(!matches({ detail: { state: [{ "anything-but": { prefix: "run" } }] } }, event));
  assert.ok(matches({ detail: { state: [{ "anything-but": { prefix: "init" } }] } }, event));
  assert.ok(!matches({ detail: { FileName: [{ "anything-but": { suffix: ".txt" } }] } }, event));
  assert.ok(!matches({ detail: { state: [{ "anything-but": { "equals-ignore-case": ["RUNNING", "Stopped"] } }] } }, event));
  assert.ok(!matches({ detail: { location: [{ "anything-but": { wildcard: "us-*" } }] } }, event));
  assert.ok(matches({ detail: { location: [{ "anything-but": { wildcard: ["eu-*", "ap-*"] } }] } }, event));
  // anything-but never matches a missing field.
  assert.ok(!matches({ detail: { missing: [{ "anything-but": "x" }] } }, event));
});

test("numeric ranges", () => {
  const event = { detail: { "c-count": 5, "d-count": 45, "x-limit": 3.018e2, text: "5" } };
  assert.ok(matches({ detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }, { numeric: [">=", 40] }], "x-limit": [{ numeric: ["=", 3.018e2] }] } }, event));
  assert.ok(!matches({ detail: { "c-count": [{ numeric: [">", 5] }] } }, event));
  assert.ok(!matches({ detail: { text: [{ numeric: ["=", 5] }] } }, event));
});

test("exists true and false (leaves only)", () => {
  const event = { detail: { state: "running", tags: [], nested: { a: 1 } } };
  assert.ok(matches({ detail: { state: [{ exists: true }] } }, event));
  assert.ok(!matches({ detail: { state: [{ exists: false }] } }, event));
  assert.ok(matches({ detail: { "c-count": [{ exists: false }] } }, event));
  assert.ok(!matches({ detail: { "c-count": [{ exists: true }] } }, event));
  assert.ok(!matches({ detail: { nested: [{ exists: true }] } }, event));
  assert.ok(!matches({ detail: { tags: [{ exists: true }] } }, event));
  // A missing parent object: exists false still matches.
  assert.ok(matches({ other: { x: [{ exists: false }] } }, event));
});

test("wildcard with escapes", () => {
  const event = { detail: { path: "dir/dir2/a.png", star: "a*b" } };
  assert.ok(matches({ detail: { path: [{ wildcard: "dir/*.png" }] } }, event));
  assert.ok(matches({ detail: { path: [{ wildcard: "*/dir2/*" }] } }, event));
  assert.ok(!matches({ detail: { path: [{ wildcard: "dir/*.jpg" }] } }, event));
  assert.ok(matches({ detail: { star: [{ wildcard: "a\\*b" }] } }, event));
  assert.ok(!matches({ detail: { star: [{ wildcard: "a\\*c" }] } }, event));
  assert.match(refused('{"a":[{"wildcard":"a**b"}]}'), /Consecutive wildcard characters/);
});

test("equals-ignore-case", () => {
  assert.ok(matches({ "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] }, ec2));
  assert.ok(!matches({ "detail-type": [{ "equals-ignore-case": "ec2 instance" }] }, ec2));
});

test("cidr: IPv4 and IPv6", () => {
  const event = { detail: { "source-ip": "10.0.0.123", v6: "2001:db8::1", text: "hello" } };
  assert.ok(matches({ detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, event));
  assert.ok(!matches({ detail: { "source-ip": [{ cidr: "10.0.1.0/24" }] } }, event));
  assert.ok(matches({ detail: { v6: [{ cidr: "2001:db8::/32" }] } }, event));
  assert.ok(!matches({ detail: { text: [{ cidr: "10.0.0.0/8" }] } }, event));
  assert.match(refused('{"a":[{"cidr":"10.0.0.0/33"}]}'), /Nonstandard IP address/);
});

test("$or: the user guide's examples", () => {
  const pattern = { detail: { $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }, { "x-limit": [{ numeric: [">", 0, "<", 100] }] }] } };
  assert.ok(matches(pattern, { detail: { "c-count": 3 } }));
  assert.ok(matches(pattern, { detail: { "d-count": 3 } }));
  assert.ok(!matches(pattern, { detail: { "c-count": 30, "x-limit": 300 } }));
  const top = { source: ["aws.ecs"], $or: [{ "detail-type": ["ECS Task State Change"] }, { detail: { eventName: ["X"] } }] };
  assert.ok(matches(top, { source: "aws.ecs", "detail-type": "ECS Task State Change" }));
  assert.ok(!matches(top, { source: "aws.ecr", "detail-type": "ECS Task State Change" }));
});

test("invalid patterns are refused with EventBridge's reasons", () => {
  assert.equal(refused('{"detail":{"pipeline":{"slug":"x"}}}'), '"slug" must be an object or an array');
  assert.equal(refused('{"source":["aws.health"],"detail":{}}'), "Empty objects are not allowed");
  assert.equal(refused('{"source":[]}'), "Empty arrays are not allowed");
  assert.equal(refused('["a"]'), "Filter is not an object");
  assert.equal(refused('{"a":[{"suffix":["x"]}]}'), "suffix match pattern must be a string");
  assert.equal(refused('{"a":[{"bogus":"x"}]}'), "Unrecognized match type bogus");
  assert.equal(refused('{"a":[{"exists":"yes"}]}'), "exists match pattern must be either true or false.");
  assert.equal(refused('{"a":[{"anything-but":null}]}'), "Value of anything-but must be an array or single string/number value.");
  assert.equal(refused('{"a":[{"anything-but":["x",null]}]}'), "Inside anything but list, start|null|boolean is not supported.");
  assert.equal(refused('{"a":[{"numeric":[">","x"]}]}'), "Value of > must be numeric");
  assert.equal(refused('{"a":[{"prefix":"a","suffix":"b"}]}'), "Only one key allowed in match expression");
  assert.equal(refused('{"a":[[1]]}'), "Match value must be String, number, true, false, or null");
  assert.match(refused("{not json"), /^Filter is not valid JSON/);
});

test("a pattern nested more than 100 levels deep is refused, not a stack overflow", () => {
  const nested = (depth: number) => "{\"a\":".repeat(depth - 1) + "{\"a\":[1]}" + "}".repeat(depth - 1);
  assert.ok(compileEventPattern(nested(99)).matches(JSON.parse(nested(99).replace("[1]", "1"))));
  assert.throws(() => compileEventPattern(nested(60_000)), (err: unknown) => err instanceof PatternError && /nested more than 100 levels/.test(err.message));
});
