import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { Overlay } from "./overlay.js";
import { readLayer } from "./layer-reader.js";
import { ScanAbortedError, ScanBudget, ScanLimitError, DEFAULT_LIMITS } from "./limits.js";
import { buildTar, type TarEntry } from "./tar-builder.js";
import { imagePath, whiteoutOf } from "./tar-path.js";

/** Applies layers (each a list of tar entries) and returns the surviving wanted files' contents. */
async function apply(layers: TarEntry[][], { gzip = false, limits = DEFAULT_LIMITS } = {}): Promise<Record<string, string>> {
  const overlay = new Overlay<string>();
  const budget = new ScanBudget(limits);
  for (const entries of layers) {
    const blob = Readable.from([await buildTar(entries, { gzip })]);
    await readLayer(blob, overlay, { wants: (p) => p.endsWith(".txt"), read: (_p, c) => c.toString() }, budget);
  }
  return Object.fromEntries([...overlay.result()].sort());
}

test("later layers replace files; non-wanted files are not kept", async () => {
  const files = await apply([
    [{ name: "a/one.txt", content: "1" }, { name: "a/two.txt", content: "2" }, { name: "bin/sh", content: "ELF" }],
    [{ name: "./a/one.txt", content: "1b" }],
  ]);
  assert.deepEqual(files, { "a/one.txt": "1b", "a/two.txt": "2" });
});

test("whiteouts remove a file or a whole directory of the layers below", async () => {
  const files = await apply([
    [{ name: "a/one.txt", content: "1" }, { name: "d/x/deep.txt", content: "x" }, { name: "d/y.txt", content: "y" }, { name: "keep.txt", content: "k" }],
    [{ name: "a/.wh.one.txt", content: "" }, { name: ".wh.d", content: "" }],
  ]);
  assert.deepEqual(files, { "keep.txt": "k" });
});

test("a whiteout acts on lower layers only: the same layer may recreate the path", async () => {
  const files = await apply([
    [{ name: "app/lock.txt", content: "old" }],
    [{ name: "app/.wh.lock.txt", content: "" }, { name: "app/lock.txt", content: "new" }],
  ]);
  assert.deepEqual(files, { "app/lock.txt": "new" });
});

test("an opaque directory hides what lower layers put in it, not what its own layer adds", async () => {
  const files = await apply([
    [{ name: "srv/old.txt", content: "o" }, { name: "srv/sub/older.txt", content: "oo" }, { name: "srvx.txt", content: "sibling" }],
    [{ name: "srv/", type: "directory" }, { name: "srv/.wh..wh..opq", content: "" }, { name: "srv/new.txt", content: "n" }],
  ], { gzip: true });
  assert.deepEqual(files, { "srv/new.txt": "n", "srvx.txt": "sibling" });
});

test("a file replaces a directory below it, and a directory replaces a file", async () => {
  const files = await apply([
    [{ name: "x/inner.txt", content: "i" }, { name: "y.txt", content: "file" }],
    [{ name: "x", content: "now a file" }, { name: "y.txt", type: "directory" }],
  ]);
  assert.deepEqual(files, {});
});

test("symlinks are not followed; hard links carry their target's content", async () => {
  const files = await apply([
    [{ name: "real.txt", content: "r" }, { name: "soft.txt", type: "symlink", linkname: "real.txt" }, { name: "hard.txt", type: "link", linkname: "real.txt" }],
  ]);
  assert.deepEqual(files, { "hard.txt": "r", "real.txt": "r" });
});

test("limits: a file over the size limit is skipped; too many entries, files or bytes fail the scan", async () => {
  const small = { ...DEFAULT_LIMITS, maxFileBytes: 4 };
  assert.deepEqual(await apply([[{ name: "big.txt", content: "12345" }, { name: "ok.txt", content: "1234" }]], { limits: small }), { "ok.txt": "1234" });
  const few = { ...DEFAULT_LIMITS, maxEntries: 2 };
  await assert.rejects(apply([[{ name: "1.txt", content: "" }, { name: "2.txt", content: "" }, { name: "3.txt", content: "" }]], { limits: few }), ScanLimitError);
  const twoFiles = { ...DEFAULT_LIMITS, maxFiles: 2 };
  await assert.rejects(apply([[{ name: "1.txt", content: "" }, { name: "2.txt", content: "" }], [{ name: "3.txt", content: "" }]], { limits: twoFiles }), ScanLimitError);
  const tiny = { ...DEFAULT_LIMITS, maxTarBytes: 1024 };
  await assert.rejects(apply([[{ name: "1.txt", content: Buffer.alloc(4096) }]], { gzip: true, limits: tiny }), ScanLimitError);
});

test("a blob that is not a tar archive is an error, not a crash", async () => {
  const overlay = new Overlay<string>();
  const select = { wants: () => true, read: () => "" };
  await assert.rejects(readLayer(Readable.from([Buffer.from("\x1f\x8bnot really gzip")]), overlay, select, new ScanBudget()));
  await assert.rejects(readLayer(Readable.from([Buffer.alloc(700, 7)]), overlay, select, new ScanBudget()));
});

test("tar paths are normalized; whiteout names are recognized", () => {
  assert.equal(imagePath("./var//lib/./dpkg/status"), "var/lib/dpkg/status");
  assert.equal(imagePath("/a/b/../c"), "a/c");
  assert.equal(imagePath("../../etc/passwd"), undefined);
  assert.deepEqual(whiteoutOf("a/b/.wh.c"), { kind: "whiteout", target: "a/b/c" });
  assert.deepEqual(whiteoutOf(".wh.top"), { kind: "whiteout", target: "top" });
  assert.deepEqual(whiteoutOf("a/.wh..wh..opq"), { kind: "opaque", target: "a" });
  assert.deepEqual(whiteoutOf("a/.wh..wh.plnk"), { kind: "ignore" });
  assert.equal(whiteoutOf("a/b"), undefined);
});

test("a scan asked to stop stops at the next entry", async () => {
  const overlay = new Overlay<string>();
  const select = { wants: () => true, read: () => "" };
  const blob = Readable.from([await buildTar([{ name: "a.txt", content: "a" }])]);
  await assert.rejects(readLayer(blob, overlay, select, new ScanBudget(DEFAULT_LIMITS, () => true)), ScanAbortedError);
});
