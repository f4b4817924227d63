import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makePrivate } from "./private-dir.js";
import { ConfigError } from "./config.js";

const mode = (p: string) => lstatSync(p).mode & 0o7777;

test("makePrivate: the directory 0700; its own entries and all beneath them lose group and other permissions", () => {
  const root = mkdtempSync(join(tmpdir(), "berth-private-"));
  try {
    const dir = join(root, "data");
    mkdirSync(join(dir, "registry", "blobs"), { recursive: true });
    writeFileSync(join(dir, "berth.sqlite"), "");
    writeFileSync(join(dir, "registry", "blobs", "blob"), "");
    writeFileSync(join(dir, "registry", "run.sh"), "");
    writeFileSync(join(dir, "someone-elses.txt"), "");
    writeFileSync(join(root, "outside"), "");
    symlinkSync(join(root, "outside"), join(dir, "registry", "link"));
    for (const p of [dir, join(dir, "registry"), join(dir, "registry", "blobs")]) chmodSync(p, 0o755);
    for (const p of [join(dir, "berth.sqlite"), join(dir, "registry", "blobs", "blob"), join(dir, "someone-elses.txt"), join(root, "outside")]) chmodSync(p, 0o644);
    chmodSync(join(dir, "registry", "run.sh"), 0o4755);

    makePrivate(dir, (name) => name === "berth.sqlite" || name === "registry");
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(join(dir, "berth.sqlite")), 0o600);
    assert.equal(mode(join(dir, "registry")), 0o700);
    assert.equal(mode(join(dir, "registry", "blobs")), 0o700);
    assert.equal(mode(join(dir, "registry", "blobs", "blob")), 0o600);
    assert.equal(mode(join(dir, "registry", "run.sh")), 0o700, "owner bits kept, setuid and the rest gone");
    assert.equal(mode(join(dir, "someone-elses.txt")), 0o644, "not Berth's: left alone");
    assert.equal(mode(join(root, "outside")), 0o644, "symbolic links are not followed");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("makePrivate creates a missing directory 0700 and refuses a shared (sticky) one", () => {
  const root = mkdtempSync(join(tmpdir(), "berth-private-"));
  try {
    makePrivate(join(root, "a", "b"), () => true);
    assert.equal(mode(join(root, "a", "b")), 0o700);
    chmodSync(root, 0o1777);
    assert.throws(() => makePrivate(root, () => true), ConfigError);
    assert.equal(mode(root), 0o1777);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
