import { test } from "node:test";
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { fromOtherSite } from "./other-site.js";

test("a request is from another site when its Origin names no name of the bound address", () => {
  const at = "127.0.0.1:4566";
  assert.equal(fromOtherSite("127.0.0.1", undefined, at), false, "SDKs, CLIs and curl send no Origin");
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.1:4566", at), false);
  assert.equal(fromOtherSite("127.0.0.1", "http://localhost:4566", at), false);
  assert.equal(fromOtherSite("127.0.0.1", "http://attacker.example", at), true);
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.2:4566", at), true);
  assert.equal(fromOtherSite("127.0.0.1", "null", at), true, "a sandboxed frame or a file: page");
  assert.equal(fromOtherSite("127.0.0.1", ["http://127.0.0.1:4566", "http://attacker.example"], at), true);
});

test("a page at another port of the same address is another site", () => {
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.1:8080", "127.0.0.1:4566"), true);
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.1", "127.0.0.1:4566"), true);
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.1", "127.0.0.1"), false, "port 80 on both sides");
  assert.equal(fromOtherSite("127.0.0.1", "http://127.0.0.1:4566", undefined), true, "no Host to compare with");
});

test("bound to every address: only the origin the request was sent to, named so that no DNS rebinding can", () => {
  for (const bound of ["0.0.0.0", "::"]) {
    assert.equal(fromOtherSite(bound, "http://attacker.example", "127.0.0.1:4566"), true);
    assert.equal(fromOtherSite(bound, "http://192.168.1.50:4566", "192.168.1.5:4566"), true, "another machine's page at the same port");
    assert.equal(fromOtherSite(bound, "http://localhost:4566", "127.0.0.1:4566"), true, "another origin, though this machine");
    // A name pointed at this machine by another site's DNS makes the page same-origin: still refused.
    assert.equal(fromOtherSite(bound, "http://rebound.attacker.example:4566", "rebound.attacker.example:4566"), true);
    assert.equal(fromOtherSite(bound, "http://192.168.1.5:4566", "192.168.1.5:4566"), false);
    assert.equal(fromOtherSite(bound, "http://127.0.0.1:4566", "127.0.0.1:4566"), false);
    assert.equal(fromOtherSite(bound, "http://[::1]:4566", "[::1]:4566"), false);
    assert.equal(fromOtherSite(bound, "http://localhost:4566", "localhost:4566"), false);
    assert.equal(fromOtherSite(bound, `http://${hostname()}:4566`, `${hostname()}:4566`), false, "the machine's own host name");
  }
});
