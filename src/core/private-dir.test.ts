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

test("makePrivate follows a data directory that is itself a link to a directory, and only that link", () => {
  const root = mkdtempSync(join(tmpdir(), "berth-private-"));
  try {
    const target = join(root, "target");
    mkdirSync(target, { mode: 0o755 });
    chmodSync(target, 0o755);
    writeFileSync(join(target, "berth.sqlite"), "");
    chmodSync(join(target, "berth.sqlite"), 0o644);
    symlinkSync(target, join(root, "data"));
    makePrivate(join(root, "data"), (name) => name === "berth.sqlite");
    assert.equal(mode(target), 0o700, "the link's target is made private");
    assert.equal(mode(join(target, "berth.sqlite")), 0o600);
    // A link to a file, or to a shared directory, is refused as before.
    writeFileSync(join(root, "file"), "");
    symlinkSync(join(root, "file"), join(root, "to-file"));
    assert.throws(() => makePrivate(join(root, "to-file"), () => true), /is not a directory/);
    const shared = join(root, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    symlinkSync(shared, join(root, "to-shared"));
    assert.throws(() => makePrivate(join(root, "to-shared"), () => true), /shared by every user/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
