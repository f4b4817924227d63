import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuUnits, memoryMiB } from "./usage-sampler.js";

test("CPU units: CPU time used over wall time, 1024 per busy vCPU", () => {
  // 1.5 s of CPU time in 1 s of wall time: one and a half vCPUs busy.
  assert.equal(cpuUnits({ cpuNs: 1e9, at: 10_000 }, { cpuNs: 2.5e9, at: 11_000 }), 1536);
  assert.equal(cpuUnits({ cpuNs: 0, at: 10_000 }, { cpuNs: 0.25e9, at: 12_000 }), 128);
  assert.equal(cpuUnits({ cpuNs: 5e9, at: 10_000 }, { cpuNs: 1e9, at: 11_000 }), 0, "a restarted container's counter went back: no figure");
});

test("memory: usage less the inactive page cache, cgroup v1 and v2, in MiB", () => {
  const MiB = 1024 * 1024;
  assert.equal(memoryMiB({ read: "", memory_stats: { usage: 100 * MiB, stats: { total_inactive_file: 20 * MiB } } }), 80);
  assert.equal(memoryMiB({ read: "", memory_stats: { usage: 64 * MiB, stats: { inactive_file: 4 * MiB } } }), 60);
  assert.equal(memoryMiB({ read: "", memory_stats: { usage: 8 * MiB } }), 8);
});
