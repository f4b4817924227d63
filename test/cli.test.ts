import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BerthProcess, berthBin } from "./harness.js";

const run = promisify(execFile);

async function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [berthBin, ...args], { env: { PATH: process.env.PATH ?? "" }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test("berth up with no Docker engine exits with one sentence saying what to do", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-nodocker-"));
  try {
    const r = await berth("up", "--port", "0", "--data-dir", dir, "--docker-socket", join(dir, "no-such.sock"));
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^berth: No Docker engine answers at .*no-such\.sock: start one .* or point BERTH_DOCKER_SOCKET at a running engine\.$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad settings fail fast with a clear message", async () => {
  const r = await berth("up", "--port", "not-a-port");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^berth: flags: port must be/);
  const unknown = await berth("up", "--no-such-flag");
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^berth: Unknown option '--no-such-flag'/);
});

test("berth logs names an unknown task clearly", async () => {
  const b = await BerthProcess.start();
  try {
    const r = await berth("logs", "0123456789abcdef0123456789abcdef", "--endpoint", b.endpoint);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: No task 0123456789abcdef0123456789abcdef is known to this Berth\.\n$/);
  } finally {
    await b.dispose();
  }
});
