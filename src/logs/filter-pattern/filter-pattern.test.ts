import { test } from "node:test";
import assert from "node:assert/strict";
import { compileFilterPattern } from "./filter-pattern.js";
import { ServiceError } from "../../core/errors.js";

/** Which of `events` the pattern matches (their indexes). */
const matching = (pattern: string, events: string[]) => events.flatMap((e, i) => (compileFilterPattern(pattern).matches(e) ? [i] : []));

// The unstructured events of the user guide's "Matching terms in unstructured log events".
const errors = ["[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST", "[ERROR 419] MISSING ARGUMENTS", "[ERROR 420] INVALID ARGUMENTS"];

test("a single term matches every event containing it; terms are case-sensitive", () => {
  assert.deepEqual(matching("ERROR", errors), [0, 1, 2, 3]);
  assert.deepEqual(matching("error", errors), []);
  assert.deepEqual(compileFilterPattern("ERROR").requiredTerms, ["ERROR"]);
});

test("several terms must all occur", () => {
  assert.deepEqual(matching("ERROR ARGUMENTS", errors), [2, 3]);
  assert.deepEqual(matching("ARGUMENTS ERROR", errors), [2, 3]);
});

test("a quoted phrase matches exactly", () => {
  assert.deepEqual(matching('"INVALID ARGUMENTS"', errors), [3]);
  assert.deepEqual(matching('"ERROR 4"', errors), [0, 1, 2, 3]);
});

test("?terms: any of them", () => {
  assert.deepEqual(matching("?BAD ?UNAUTHORIZED", errors), [0, 1]);
  assert.deepEqual(matching('?"BAD REQUEST" ?MISSING', errors), [0, 2]);
});

test("-terms exclude", () => {
  assert.deepEqual(matching("ERROR -ARGUMENTS", errors), [0, 1]);
  assert.deepEqual(matching('ERROR -"BAD REQUEST" -MISSING', errors), [1, 3]);
});

test("the empty pattern matches everything; a quoted space every event with a space", () => {
  assert.deepEqual(matching("", errors), [0, 1, 2, 3]);
  assert.deepEqual(matching('" "', [...errors, "nospace"]), [0, 1, 2, 3]);
});

test("%regex% terms", () => {
  assert.deepEqual(matching("%ERROR 40[01]%", errors), [0, 1]);
  assert.deepEqual(matching("%ARGUMENTS$%", errors), [2, 3]);
});

// The JSON event of the user guide's "Using filter patterns to match terms in JSON log events".
const jsonEvents = [
  JSON.stringify({
    eventType: "UpdateTrail", sourceIPAddress: "111.111.111.111", arrayKey: ["value", "another value"],
    objectList: [{ name: "a", id: 1 }, { name: "b", id: 2 }], SomeObject: null, ThisFlag: true,
  }),
  JSON.stringify({
    user: { id: 1, email: "John.Stiles@example.com" }, users: [{ id: 2, email: "John.Doe@example.com" }, { id: 3, email: "Jane.Doe@example.com" }],
    actions: ["GET", "PUT", "DELETE"], coordinates: [[0, 1], [2, 3]],
  }),
  "not json at all",
];

test("JSON string comparisons, wildcards and !=", () => {
  assert.deepEqual(matching('{ $.eventType = "UpdateTrail" }', jsonEvents), [0]);
  assert.deepEqual(matching("{ $.eventType = Update* }", jsonEvents), [0]);
  assert.deepEqual(matching("{ $.sourceIPAddress != 123.123.* }", jsonEvents), [0]);
  assert.deepEqual(matching("{ $.sourceIPAddress = 111.111.* }", jsonEvents), [0]);
});

test("JSON arrays and nested objects", () => {
  assert.deepEqual(matching('{ $.arrayKey[0] = "value" }', jsonEvents), [0]);
  assert.deepEqual(matching("{ $.objectList[1].id = 2 }", jsonEvents), [0]);
  assert.deepEqual(matching("{ $.coordinates[0][1] = 1 }", jsonEvents), [1]);
  assert.deepEqual(matching('{ $.users[1].email = "Jane.Doe@example.com" }', jsonEvents), [1]);
});

test("IS NULL, IS TRUE, IS FALSE, NOT EXISTS", () => {
  assert.deepEqual(matching("{ $.SomeObject IS NULL }", jsonEvents), [0]);
  assert.deepEqual(matching("{ $.ThisFlag IS TRUE }", jsonEvents), [0]);
  assert.deepEqual(matching("{ $.ThisFlag IS FALSE }", jsonEvents), []);
  assert.deepEqual(matching("{ $.SomeOtherObject NOT EXISTS }", jsonEvents), [0, 1]);
  assert.deepEqual(matching("{ $.SomeObject NOT EXISTS }", jsonEvents), [1]);
});

test("&& and || with parentheses; && binds tighter", () => {
  assert.deepEqual(matching('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', jsonEvents), [1]);
  assert.deepEqual(matching('{ ($.user.id = 2 && $.users[0].email = "John.Doe@example.com") || $.actions[2] = "GET" }', jsonEvents), []);
  assert.deepEqual(matching('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', jsonEvents), [1]);
  assert.deepEqual(matching('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', jsonEvents), []);
});

test("JSON numeric comparisons", () => {
  const events = [{ latency: 50 }, { latency: 150 }, { latency: "200" }, { level: "error" }].map((e) => JSON.stringify(e));
  assert.deepEqual(matching("{ $.latency > 100 }", events), [1, 2]);
  assert.deepEqual(matching("{ $.latency <= 50 }", events), [0]);
  assert.deepEqual(matching("{ $.latency = 150 }", events), [1]);
  assert.deepEqual(matching("{ $.latency != 150 }", events), [0, 2]);
  assert.deepEqual(matching('{ $.level = "error" }', events), [3]);
  assert.deepEqual(matching("{ $.latency >= 1.5e2 }", events), [1, 2]);
});

// The space-delimited events of the user guide's "Using filter patterns to match terms in space-delimited log events".
const access = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
  '127.0.0.1 - frank [10/Oct/2000:13:55:35 -0700] "GET /index.html HTTP/1.0" 404 100',
];

test("space-delimited: every field named, conditions on some, [brackets] and quotes are one field", () => {
  assert.deepEqual(matching("[ip, user, username, timestamp, request, status_code, bytes]", access), [0, 1, 2, 3]);
  assert.deepEqual(matching("[ip, user, username, timestamp, request, status_code = 5*, bytes]", access), [1]);
  assert.deepEqual(matching("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", access), [3]);
  assert.deepEqual(matching("[ip, user, username, timestamp, request, status_code, bytes > 4000]", access), [1, 2]);
  assert.deepEqual(matching('[ip, user, username = "frank", timestamp, request, status_code != 200, bytes]', access), [1, 3]);
  assert.deepEqual(matching("[ip, user, username, timestamp, request, status_code]", access), []);
});

test("space-delimited: ... stands for any number of fields; && and || within a field", () => {
  assert.deepEqual(matching("[ip, user, ..., status_code = 5*, size > 1000]", access), [1]);
  assert.deepEqual(matching("[..., status_code = 404 || status_code = 500, bytes]", access), [1, 3]);
  assert.deepEqual(matching("[..., bytes > 1000 && bytes < 5000]", access), [0, 2]);
  assert.deepEqual(matching("[ip, ...]", access), [0, 1, 2, 3]);
});

test("invalid patterns are AWS's InvalidParameterException", () => {
  for (const bad of ['"unterminated', "{ $.latency > }", "{ $.a = 1", "{ latency = 1 }", "[a, b = ]", "[a, b", "{ $.a > abc }", "{ $.a IS MAYBE }", "%(grouped)%", "?", "[..., x = 1 || y = 2]"]) {
    assert.throws(() => compileFilterPattern(bad), (err: unknown) => err instanceof ServiceError && err.code === "InvalidParameterException" && err.message === "Invalid filter pattern", bad);
  }
});

test("space-delimited patterns bind their named fields (metric filters' $field, TestMetricFilter's extractedValues)", () => {
  const p = compileFilterPattern("[ip, user, ..., status=4*, size]");
  assert.deepEqual(p.fieldNames, ["ip", "user", "status", "size"]);
  assert.deepEqual(p.extract!('127.0.0.1 frank [10/Oct/2000:13:25:15 -0700] "GET /x HTTP/1.0" 404 1534'), { $ip: "127.0.0.1", $user: "frank", $status: "404", $size: "1534" });
  assert.equal(p.extract!('127.0.0.1 frank "GET /x HTTP/1.0" 200 1534'), undefined);
  // A failed branch of `...` leaves no stale value: the fields are those of the match found.
  const q = compileFilterPattern("[a, ..., b=x*]");
  assert.deepEqual(q.extract!("1 x1 2 x2"), { $a: "1", $b: "x2" });
  assert.equal(compileFilterPattern("ERROR").extract, undefined);
});
