import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { FileRangeStream, READ_CHUNK } from "./file-range-stream.js";

// More than two chunks and not a multiple of one: both reused buffers are refilled, the last partly.
const content = randomBytes(5 * READ_CHUNK + 123);

async function withFile(fn: (path: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "berth-frs-"));
  const path = join(dir, "blob");
  writeFileSync(path, content);
  try {
    await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readAll(s: FileRangeStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of s) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

test("as a Readable: the whole file, an inclusive range, and a range past the end", () =>
  withFile(async (path) => {
    assert.ok((await readAll(new FileRangeStream(await open(path)))).equals(content));
    assert.ok((await readAll(new FileRangeStream(await open(path), 10, 2 * READ_CHUNK + 9))).equals(content.subarray(10, 2 * READ_CHUNK + 10)));
    assert.ok((await readAll(new FileRangeStream(await open(path), content.length - 5, content.length + 100))).equals(content.subarray(content.length - 5)));
  }));

test("writeTo: a copying sink gets every byte of the range, and the file handle is closed", () =>
  withFile(async (path) => {
    const fh = await open(path);
    const parts: Buffer[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (parts.push(Buffer.from(chunk)), cb()) });
    await new FileRangeStream(fh, 7).writeTo(sink);
    assert.ok(Buffer.concat(parts).equals(content.subarray(7)));
    await assert.rejects(fh.stat(), /closed|EBADF/);
  }));

test("writeTo over a real HTTP response: reused buffers still deliver the exact bytes", () =>
  withFile(async (path) => {
    const server = createServer(async (req, res) => {
      const ranged = req.url === "/range";
      const s = new FileRangeStream(await open(path), ranged ? 1000 : 0, ranged ? 3 * READ_CHUNK : undefined);
      res.writeHead(200, { "content-length": ranged ? 3 * READ_CHUNK - 999 : content.length });
      await s.writeTo(res);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      const whole = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer());
      assert.ok(whole.equals(content));
      const range = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/range`)).arrayBuffer());
      assert.ok(range.equals(content.subarray(1000, 3 * READ_CHUNK + 1)));
    } finally {
      server.close();
    }
  }));

test("writeTo rejects when the connection goes away, and closes the file", () =>
  withFile(async (path) => {
    const fh = await open(path);
    // A sink that never calls back, then closes: the wait must end with the close.
    const sink = new Writable({ write: () => setTimeout(() => sink.destroy(), 10) });
    await assert.rejects(new FileRangeStream(fh).writeTo(sink), /closed/);
    await assert.rejects(fh.stat(), /closed|EBADF/);
  }));
