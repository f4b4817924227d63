import { test } from "node:test";
import assert from "node:assert/strict";
import { addValue, decode, encode, mergeEncoded, mergeInto, mergeSorted, newDistribution, percentile, sortedPercentile, type Distribution } from "./distribution.js";

/** A distribution of `values` (each once), as a bucket stores it. */
function of(values: number[]): Distribution {
  const d = newDistribution();
  for (const v of values) addValue(d, v, 1);
  return d;
}

/** What merging buckets one by one gives: the reference mergeEncoded must agree with. */
function mergedOneByOne(parts: Distribution[]): Distribution {
  const into = newDistribution();
  for (const p of parts) mergeInto(into, decode(encode(p)));
  return into;
}

const sorted = (d: Distribution) => [...d.counts].sort((a, b) => a[0] - b[0]);

test("merging encoded buckets straight from their blobs gives what decoding and merging each gives", () => {
  const cases: Array<[string, number[][]]> = [
    ["few distinct values stay exact", [[1, 2, 3], [3, 4], [0, 5, 5]]],
    ["more than 64 distinct values fold into the histogram", Array.from({ length: 10 }, (_, i) => Array.from({ length: 8 }, (_, k) => i * 8 + k + 0.5))],
    ["an exact bucket after a folded one", [Array.from({ length: 100 }, (_, k) => k * 3.7), [0, 1, 2], [1000]]],
    ["a folded bucket after exact ones", [[0, 1, 2], [7], Array.from({ length: 100 }, (_, k) => k * 1.3)]],
  ];
  for (const [what, parts] of cases) {
    const dists = parts.map(of);
    const expected = mergedOneByOne(dists);
    const actual = mergeEncoded(dists.map(encode));
    assert.equal(actual.exact, expected.exact, what);
    assert.deepEqual(sorted(actual), sorted(expected), what);
    const all = parts.flat();
    const [min, max] = [Math.min(...all), Math.max(...all)];
    for (const p of [0, 50, 90, 99, 100]) assert.equal(percentile(actual, p, min, max), percentile(expected, p, min, max), `${what}: p${p}`);
  }
});

test("an exact merge answers percentiles by nearest rank", () => {
  const d = mergeEncoded([encode(of([10, 20])), encode(of([30, 40, 50]))]);
  assert.equal(d.exact, true);
  assert.equal(percentile(d, 50, 10, 50), 30);
  assert.equal(percentile(d, 99, 10, 50), 50);
  assert.equal(percentile(d, 20, 10, 50), 10);
});

/** Blobs laid end to end as SQLite's group_concat gives them, with each one's [from, to) in float64s. */
function concatenated(blobs: Buffer[]): { values: Float64Array; ranges: number[] } {
  const bytes = Buffer.concat(blobs);
  const ranges: number[] = [];
  let at = 0;
  for (const b of blobs) ranges.push(at / 8, (at += b.length) / 8);
  return { values: new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), ranges };
}

test("a sorted merge of concatenated blobs has mergeEncoded's keys, counts and percentiles", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const cases: Array<[string, number[][]]> = [
    ["few distinct values stay exact", [[1, 2, 3], [3, 4], [0, 5, 5]]],
    ["zero and repeated values", [[0, 0, 0], [0, 2], [2, 2, 2, 2]]],
    ["more than 64 distinct values fold into the histogram", Array.from({ length: 10 }, (_, i) => Array.from({ length: 8 }, (_, k) => i * 8 + k + 0.5))],
    ["an exact bucket after a folded one", [Array.from({ length: 100 }, (_, k) => k * 3.7), [0, 1, 2], [1000]]],
    ["a folded bucket after exact ones", [[0, 1, 2], [7], Array.from({ length: 100 }, (_, k) => k * 1.3)]],
    // Past 128 pairs the pairs are sorted by Array's sort rather than by insertion.
    ["an hour of exact minutes", Array.from({ length: 60 }, () => Array.from({ length: 6 }, () => 50 + Math.floor(random() * 40)))],
    ["an hour of folded minutes", Array.from({ length: 60 }, () => Array.from({ length: 90 }, () => random() * 1000))],
  ];
  for (const [what, parts] of cases) {
    const blobs = parts.map((p) => encode(of(p)));
    const expected = mergeEncoded(blobs);
    const { values, ranges } = concatenated(blobs);
    const actual = mergeSorted(values, ranges);
    assert.equal(actual.exact, expected.exact, what);
    assert.deepEqual([...actual.keys].map((k, i) => [k, actual.counts[i]]), sorted(expected), what);
    const all = parts.flat();
    const [min, max] = [Math.min(...all), Math.max(...all)];
    for (const p of [0, 0.1, 10, 50, 90, 99, 99.9, 100]) assert.equal(sortedPercentile(actual, p, min, max), percentile(expected, p, min, max), `${what}: p${p}`);
  }
});
