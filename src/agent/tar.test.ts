import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { tar } from "./tar.js";

test("tar writes ustar headers with valid checksums, padded data and two end blocks", () => {
  const archive = tar([
    { name: "Dockerfile", data: Buffer.from("FROM scratch\n") },
    { name: "pause", data: Buffer.alloc(600, 1), mode: 0o755 },
  ]);
  assert.equal(archive.length % 512, 0);
  assert.equal(archive.length, 512 + 512 + 512 + 1024 + 1024);
  const h = archive.subarray(0, 512);
  assert.equal(h.subarray(0, 10).toString(), "Dockerfile");
  assert.equal(h.subarray(257, 262).toString(), "ustar");
  const stored = parseInt(h.subarray(148, 154).toString(), 8);
  const copy = Buffer.from(h);
  copy.fill(0x20, 148, 156);
  assert.equal(stored, copy.reduce((a, b) => a + b, 0));
  assert.equal(parseInt(archive.subarray(1024 + 124, 1024 + 135).toString(), 8), 600);
  assert.equal(parseInt(archive.subarray(1024 + 100, 1024 + 107).toString(), 8), 0o755);
});

test("the system tar reads what tar() writes", { skip: process.platform !== "linux" }, () => {
  const archive = tar([{ name: "a.txt", data: Buffer.from("hello\n") }, { name: "b", data: Buffer.alloc(0) }]);
  const listing = execFileSync("tar", ["-tvf", "-"], { input: archive }).toString();
  assert.match(listing, /a\.txt/);
  assert.match(listing, /\bb\n/);
  assert.equal(execFileSync("tar", ["-xOf", "-", "a.txt"], { input: archive }).toString(), "hello\n");
});
