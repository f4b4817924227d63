import { test } from "node:test";
import assert from "node:assert/strict";
import { fargateMemoryOptions, FARGATE_CPU_VALUES, isFargateSize, parseCpuUnits, parseMemoryMiB } from "./fargate-sizes.js";

test("parseCpuUnits reads units and vCPU strings as ECS does", () => {
  assert.equal(parseCpuUnits("1024"), 1024);
  assert.equal(parseCpuUnits(" 256 "), 256);
  assert.equal(parseCpuUnits("1 vCPU"), 1024);
  assert.equal(parseCpuUnits("1 vcpu"), 1024);
  assert.equal(parseCpuUnits("2vCPU"), 2048);
  assert.equal(parseCpuUnits("0.25 vCPU"), 256);
  assert.equal(parseCpuUnits(".5 vcpu"), 512);
  assert.equal(parseCpuUnits("16 vCPUs"), 16_384);
  for (const bad of ["", "abc", "1.5", "-1", "1 GB", "0.1 vCPU", "1e3", undefined]) {
    assert.equal(parseCpuUnits(bad), undefined, `${bad} is not a CPU size`);
  }
});

test("parseMemoryMiB reads MiB and GB strings as ECS does", () => {
  assert.equal(parseMemoryMiB("2048"), 2048);
  assert.equal(parseMemoryMiB("2 GB"), 2048);
  assert.equal(parseMemoryMiB("2GB"), 2048);
  assert.equal(parseMemoryMiB("2 gb"), 2048);
  assert.equal(parseMemoryMiB("0.5 GB"), 512);
  assert.equal(parseMemoryMiB("3 GiB"), 3072);
  assert.equal(parseMemoryMiB("512 MiB"), 512);
  assert.equal(parseMemoryMiB("512MB"), 512);
  for (const bad of ["", "lots", "2 TB", "1.5", "0.3 GB", "-512", undefined]) {
    assert.equal(parseMemoryMiB(bad), undefined, `${bad} is not a memory size`);
  }
});

test("Fargate's CPU/memory table matches the documented combinations", () => {
  assert.deepEqual(FARGATE_CPU_VALUES, [256, 512, 1024, 2048, 4096, 8192, 16_384]);
  assert.deepEqual(fargateMemoryOptions(256), [512, 1024, 2048]);
  assert.deepEqual(fargateMemoryOptions(512), [1024, 2048, 3072, 4096]);
  assert.deepEqual(fargateMemoryOptions(1024), [2048, 3072, 4096, 5120, 6144, 7168, 8192]);
  const at2048 = fargateMemoryOptions(2048);
  assert.equal(at2048.length, 13);
  assert.equal(at2048[0], 4096);
  assert.equal(at2048.at(-1), 16_384);
  const at4096 = fargateMemoryOptions(4096);
  assert.equal(at4096[0], 8192);
  assert.equal(at4096.at(-1), 30_720);
  assert.equal(at4096.length, 23);
  assert.deepEqual(fargateMemoryOptions(8192), [16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60].map((g) => g * 1024));
  assert.deepEqual(fargateMemoryOptions(16_384), [32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120].map((g) => g * 1024));
  assert.deepEqual(fargateMemoryOptions(300), []);
});

test("isFargateSize accepts exactly the table's combinations", () => {
  for (const cpu of FARGATE_CPU_VALUES) {
    for (const mem of fargateMemoryOptions(cpu)) assert.ok(isFargateSize(cpu, mem), `${cpu}/${mem}`);
  }
  const rejected: Array<[number, number]> = [
    [256, 4096], [256, 256], [512, 512], [512, 1536], [1024, 1024], [1024, 9216],
    [2048, 2048], [2048, 4608], [4096, 31_744], [8192, 18_432], [8192, 65_536],
    [16_384, 36_864], [16_384, 131_072], [128, 512], [32_768, 65_536],
  ];
  for (const [cpu, mem] of rejected) assert.equal(isFargateSize(cpu, mem), false, `${cpu}/${mem}`);
});
