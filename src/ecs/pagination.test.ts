import { test } from "node:test";
import assert from "node:assert/strict";
import { ServiceError } from "../core/errors.js";
import { paginate } from "./pagination.js";

const items = Array.from({ length: 250 }, (_, i) => `item-${i}`);

function invalid(fn: () => unknown, message: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ServiceError, `expected a ServiceError, got ${String(err)}`);
    assert.equal(err.code, "InvalidParameterException");
    assert.match(err.message, message);
    return true;
  });
}

/** Follows nextToken to the end, as the SDK paginators do. */
function all(list: string[], maxResults?: number, options?: { defaultMax?: number; limit?: number }) {
  const pages: string[][] = [];
  let nextToken: string | undefined;
  do {
    const { page, nextToken: next } = paginate(list, { maxResults, nextToken }, options);
    pages.push(page);
    nextToken = next;
  } while (nextToken !== undefined && pages.length < 1000);
  return pages;
}

test("without maxResults a page holds 100 items, and a token leads to the rest", () => {
  const first = paginate(items, {});
  assert.deepEqual(first.page, items.slice(0, 100));
  assert.equal(typeof first.nextToken, "string");
  const second = paginate(items, { nextToken: first.nextToken });
  assert.deepEqual(second.page, items.slice(100, 200));
  const third = paginate(items, { nextToken: second.nextToken });
  assert.deepEqual(third.page, items.slice(200));
  assert.equal(third.nextToken, undefined, "the last page has no nextToken");
});

test("every item is returned exactly once, whatever the page size", () => {
  for (const size of [1, 2, 7, 50, 99, 100]) {
    const pages = all(items, size);
    assert.deepEqual(pages.flat(), items, `maxResults ${size}`);
    assert.ok(pages.every((p) => p.length <= size && p.length > 0));
  }
});

test("a list that fits in one page has no nextToken, and an empty list gives an empty page", () => {
  assert.deepEqual(paginate(["a", "b"], { maxResults: 2 }), { page: ["a", "b"], nextToken: undefined });
  assert.deepEqual(paginate([], {}), { page: [], nextToken: undefined });
});

test("tokens are opaque URL-safe strings", () => {
  const { nextToken } = paginate(items, { maxResults: 10 });
  assert.match(nextToken!, /^[A-Za-z0-9_-]+$/);
  assert.ok(!nextToken!.includes("10"), "the position is not readable as is");
});

test("a token past the end of a list that shrank gives an empty last page", () => {
  const { nextToken } = paginate(items, { maxResults: 100 });
  assert.deepEqual(paginate(items.slice(0, 50), { nextToken }), { page: [], nextToken: undefined });
});

test("maxResults outside 1..limit, or not an integer, is InvalidParameterException", () => {
  invalid(() => paginate(items, { maxResults: 0 }), /^maxResults must be between 1 and 100\.$/);
  invalid(() => paginate(items, { maxResults: -1 }), /between 1 and 100/);
  invalid(() => paginate(items, { maxResults: 101 }), /between 1 and 100/);
  invalid(() => paginate(items, { maxResults: 1.5 }), /between 1 and 100/);
  invalid(() => paginate(items, { maxResults: NaN }), /between 1 and 100/);
  assert.equal(paginate(items, { maxResults: 100 }).page.length, 100);
});

test("bogus tokens are InvalidParameterException", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  for (const token of ["", "garbage!", "not a token", "====", b64("other:5"), b64("berth:"), b64("berth:-1"), b64("berth:1.5"), b64("berth:1 "), b64("berth:" + "9".repeat(40)), "🙂", "a".repeat(10_000)]) {
    invalid(() => paginate(items, { nextToken: token }), /^Invalid token\.$/);
  }
});

test("defaultMax and limit can be set per operation", () => {
  assert.equal(paginate(items, {}, { defaultMax: 10, limit: 1000 }).page.length, 10);
  assert.equal(paginate(items, { maxResults: 250 }, { limit: 1000 }).page.length, 250);
  invalid(() => paginate(items, { maxResults: 11 }, { limit: 10 }), /^maxResults must be between 1 and 10\.$/);
  assert.deepEqual(all(items, undefined, { defaultMax: 30 }).flat(), items);
});
