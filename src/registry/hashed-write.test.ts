import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { writeHashed } from "./hashed-write.js";

/** 64 KiB chunks, as a socket delivers them; past 8 MiB so the background flush runs too. */
const content = randomBytes(9 * 1024 * 1024 + 4321);
const chunks = (b: Buffer, size = 64 * 1024) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

async function inDir(fn: (dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "berth-hw-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("writes and hashes every byte, in order, batching 64 KiB chunks", () =>
  inDir(async (dir) => {
    const path = join(dir, "blob");
    const hash = createHash("sha256");
    assert.equal(await writeHashed(Readable.from(chunks(content)), hash, path, "wx"), content.length);
    assert.ok(readFileSync(path).equals(content));
    assert.equal(hash.digest("hex"), createHash("sha256").update(content).digest("hex"));
  }));

test("append mode continues a file and its running hash", () =>
  inDir(async (dir) => {
    const path = join(dir, "upload");
    writeFileSync(path, content.subarray(0, 1000));
    const hash = createHash("sha256").update(content.subarray(0, 1000));
    assert.equal(await writeHashed(Readable.from(chunks(content.subarray(1000))), hash, path, "a"), content.length - 1000);
    assert.ok(readFileSync(path).equals(content));
    assert.equal(hash.digest("hex"), createHash("sha256").update(content).digest("hex"));
  }));

test("a source that fails midway rejects; \"wx\" refuses an existing file", () =>
  inDir(async (dir) => {
    const path = join(dir, "blob");
    async function* failing() {
      yield* chunks(content.subarray(0, 3 * 1024 * 1024));
      throw new Error("client went away");
    }
    await assert.rejects(writeHashed(Readable.from(failing()), createHash("sha256"), path, "wx"), /client went away/);
    await assert.rejects(writeHashed(Readable.from([Buffer.from("x")]), createHash("sha256"), path, "wx"), /EEXIST/);
  }));
