import { test } from "node:test";
import assert from "node:assert/strict";
import { upstreamBase } from "./upstream-registry.js";

test("upstreamBase: host:port is plain HTTP, URLs keep their scheme, only loopback hosts are allowed", () => {
  assert.equal(upstreamBase("127.0.0.1:5000")?.href, "http://127.0.0.1:5000/");
  assert.equal(upstreamBase("https://localhost:5443/some/path")?.href, "https://localhost:5443/");
  assert.equal(upstreamBase("http://127.8.9.10")?.href, "http://127.8.9.10/");
  assert.equal(upstreamBase("http://[::1]:5000")?.href, "http://[::1]:5000/");
  assert.equal(upstreamBase("registry-1.docker.io"), undefined);
  assert.equal(upstreamBase("https://10.0.0.1:5000"), undefined);
  assert.equal(upstreamBase("ftp://127.0.0.1"), undefined);
  assert.equal(upstreamBase("http://"), undefined);
  // A userinfo trick does not smuggle another host past the check.
  assert.equal(upstreamBase("http://127.0.0.1@example.com"), undefined);
});
