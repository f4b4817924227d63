import { test } from "node:test";
import assert from "node:assert/strict";
import { fromOtherSite } from "./other-site.js";

test("a request is from another site when its Origin names no name of the bound address", () => {
  assert.equal(fromOtherSite("127.0.0.1", undefined), false, "SDKs, CLIs and curl send no Origin");
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.1:4566"), false);
  assert.equal(fromOtherSite("127.0.0.1", "http://localhost:4566"), false);
  assert.equal(fromOtherSite("127.0.0.1", "http://attacker.example"), true);
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.2:4566"), true);
  assert.equal(fromOtherSite("127.0.0.1", "null"), true, "a sandboxed frame or a file: page");
  assert.equal(fromOtherSite("127.0.0.1", ["http://127.0.0.1:4566", "http://attacker.example"]), true);
  assert.equal(fromOtherSite("0.0.0.0", "http://attacker.example"), false, "every address bound: every name");
});
