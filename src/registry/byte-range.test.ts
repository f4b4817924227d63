import { test } from "node:test";
import assert from "node:assert/strict";
import { parseContentRange, parseRange } from "./byte-range.js";

test("Range: single byte ranges resolve against the size", () => {
  assert.deepEqual(parseRange(undefined, 10), { kind: "whole" });
  assert.deepEqual(parseRange("bytes=0-4", 10), { kind: "partial", range: { start: 0, end: 4 } });
  assert.deepEqual(parseRange("bytes=5-", 10), { kind: "partial", range: { start: 5, end: 9 } });
  assert.deepEqual(parseRange("bytes=5-100", 10), { kind: "partial", range: { start: 5, end: 9 } });
  assert.deepEqual(parseRange("bytes=-3", 10), { kind: "partial", range: { start: 7, end: 9 } });
  assert.deepEqual(parseRange("bytes=-30", 10), { kind: "partial", range: { start: 0, end: 9 } });
  assert.deepEqual(parseRange("bytes=9-9", 10), { kind: "partial", range: { start: 9, end: 9 } });
});

test("Range: past the end is unsatisfiable; junk and multiple ranges are ignored", () => {
  assert.deepEqual(parseRange("bytes=10-", 10), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=20-30", 10), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=-0", 10), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=0-", 0), { kind: "unsatisfiable" });
  for (const junk of ["items=0-1", "bytes=0-1,3-4", "bytes=a-b", "bytes=5-2", "bytes=", "bytes=1", "bytes=-", "bytes=99999999999999999-"]) {
    assert.deepEqual(parseRange(junk, 10), { kind: "whole" }, junk);
  }
});

test("Content-Range: OCI's start-end, and the RFC form", () => {
  assert.deepEqual(parseContentRange("0-9"), { start: 0, end: 9 });
  assert.deepEqual(parseContentRange("bytes 10-19/*"), { start: 10, end: 19 });
  assert.deepEqual(parseContentRange("bytes=10-19"), { start: 10, end: 19 });
  for (const bad of ["9-0", "a-b", "-1", "1-", "", "0-9,10-19"]) assert.equal(parseContentRange(bad), undefined, bad);
});
