import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pauseArch, pauseElf } from "./pause-elf.js";

test("the pause ELF has a valid ELF64 header and one loadable segment covering the file", () => {
  for (const [arch, machine] of [["x86_64", 62], ["aarch64", 183]] as const) {
    const elf = pauseElf(arch);
    assert.equal(elf.subarray(0, 4).toString("latin1"), "\x7fELF");
    assert.equal(elf[4], 2, "64-bit");
    assert.equal(elf[5], 1, "little-endian");
    assert.equal(elf.readUInt16LE(16), 2, "executable");
    assert.equal(elf.readUInt16LE(18), machine);
    assert.equal(elf.readBigUInt64LE(24), 0x400000n + 120n, "entry right after the headers");
    assert.equal(elf.readUInt16LE(56), 1, "one program header");
    assert.equal(elf.readUInt32LE(64), 1, "PT_LOAD");
    assert.equal(elf.readBigUInt64LE(96), BigInt(elf.length), "p_filesz covers the file");
    assert.ok(elf.length < 256, `a few dozen instructions, got ${elf.length} bytes`);
  }
});

test("aarch64: the branch and the adr land on the intended instructions", () => {
  const code = pauseElf("aarch64").subarray(120);
  const words = Array.from({ length: code.length / 4 }, (_, i) => code.readUInt32LE(i * 4));
  const svc = 0xd4000001;
  // adr x9 at word 0 points at the handler: mov x0,#0; mov x8,#94 (exit_group); svc.
  const adr = words[0]!;
  assert.equal(adr & 0x9f00001f, 0x10000009, "adr x9");
  const offset = (((adr >>> 5) & 0x7ffff) << 2) | ((adr >>> 29) & 3);
  const handler = offset / 4;
  assert.deepEqual(words.slice(handler, handler + 3), [0xd2800000, 0xd2800bc8, svc]);
  // The b before the handler jumps back to the ppoll loop (mov x8,#73 four words later).
  const b = words[handler - 1]!;
  assert.equal(b >>> 26, 0b000101, "b");
  const target = handler - 1 + ((b & 0x3ffffff) - 0x4000000);
  assert.equal(words[target + 4], 0xd2800928, "mov x8, #73 (ppoll)");
});

test("pauseArch maps the engine's architecture names", () => {
  assert.equal(pauseArch("x86_64"), "x86_64");
  assert.equal(pauseArch("amd64"), "x86_64");
  assert.equal(pauseArch("aarch64"), "aarch64");
  assert.equal(pauseArch("s390x"), undefined);
});

test("x86_64: the program runs, sleeps, and exits 0 on SIGTERM", { skip: process.platform !== "linux" || process.arch !== "x64" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-pause-"));
  try {
    const path = join(dir, "pause");
    writeFileSync(path, pauseElf("x86_64"), { mode: 0o755 });
    const child = spawn(path, [], { stdio: "ignore" });
    const exited = new Promise<[number | null, string | null]>((resolve) => child.once("exit", (code, signal) => resolve([code, signal])));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(child.exitCode, null, "still sleeping");
    child.kill("SIGTERM");
    assert.deepEqual(await exited, [0, null]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
