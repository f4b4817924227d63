/**
 * The distribution of the values in one bucket, kept so that percentiles (p90, p99.9, ...) can be
 * answered without keeping every value. Few distinct values are kept exactly; past EXACT_LIMIT
 * they fold into a log-scale histogram whose buckets are 2% wide (the DDSketch scheme, written
 * here because it is thirty lines and no kept library stores into SQLite blobs): a percentile is
 * then within 1% of the true value. CloudWatch's own percentiles are approximations too.
 *
 * Percentiles need non-negative values (as on AWS: "not available for metrics when any of the
 * metric values are negative"); a bucket with a negative value has no distribution (null).
 */
export interface Distribution {
  /** true: keys are the values themselves; false: keys are histogram indexes (-Infinity is zero). */
  exact: boolean;
  counts: Map<number, number>;
}

const EXACT_LIMIT = 64;
const ACCURACY = 0.01;
const GAMMA = (1 + ACCURACY) / (1 - ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

const indexOf = (value: number) => Math.ceil(Math.log(value) / LOG_GAMMA);
/** The value a histogram index stands for: the middle of its bucket, within ACCURACY of any value in it. */
const valueOf = (index: number) => (index === -Infinity ? 0 : (2 * GAMMA ** index) / (GAMMA + 1));

export function newDistribution(): Distribution {
  return { exact: true, counts: new Map() };
}

/** Adds `count` occurrences of `value` (value >= 0). */
export function addValue(d: Distribution, value: number, count: number): void {
  const key = d.exact ? value : indexOf(value);
  d.counts.set(key, (d.counts.get(key) ?? 0) + count);
  if (d.exact && d.counts.size > EXACT_LIMIT) fold(d);
}

function fold(d: Distribution): void {
  const exact = d.counts;
  d.exact = false;
  d.counts = new Map();
  for (const [value, count] of exact) addValue(d, value, count);
}

/** Merges `from` into `into` (which it may change). */
export function mergeInto(into: Distribution, from: Distribution): void {
  if (into.exact && !from.exact) fold(into);
  if (from.exact) {
    for (const [value, count] of from.counts) addValue(into, value, count);
  } else {
    for (const [index, count] of from.counts) into.counts.set(index, (into.counts.get(index) ?? 0) + count);
  }
}

/**
 * The p-th percentile (0 <= p <= 100) by nearest rank: the smallest value with at least p% of the
 * values at or below it; clamped to the bucket's [min, max] so that p0 and p100 are exact.
 */
export function percentile(d: Distribution, p: number, min: number, max: number): number | undefined {
  let total = 0;
  for (const c of d.counts.values()) total += c;
  if (total === 0) return undefined;
  const rank = Math.max((p / 100) * total, Number.MIN_VALUE);
  const keys = [...d.counts.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const key of keys) {
    seen += d.counts.get(key)!;
    if (seen >= rank * (1 - 1e-12)) return Math.min(max, Math.max(min, d.exact ? key : valueOf(key)));
  }
  return max;
}

/** Float64 pairs after a header [exact ? 1 : 0]; a few bytes per distinct value. */
export function encode(d: Distribution): Buffer {
  const out = new Float64Array(1 + d.counts.size * 2);
  out[0] = d.exact ? 1 : 0;
  let i = 1;
  for (const [key, count] of d.counts) {
    out[i++] = key;
    out[i++] = count;
  }
  return Buffer.from(out.buffer);
}

/**
 * The merge of several encoded distributions, read straight from their blobs: the same result as
 * decoding each and merging them with mergeInto (exact while every blob is exact and there are
 * at most EXACT_LIMIT distinct values; a histogram otherwise), without a copy and a Map per blob.
 * A query's period merges many stored buckets and asks for a percentile once: this is its path.
 */
export function mergeEncoded(blobs: Buffer[]): Distribution {
  const merge = encodedMerge();
  for (const blob of blobs) merge.add(blob, 0, blob.length);
  return merge.result();
}

/**
 * mergeEncoded one blob at a time, where the blobs need not be Buffers of their own: `add` takes a
 * range of a larger buffer (a period's blobs as SQLite concatenated them, see SeriesStore).
 */
export function encodedMerge() {
  let exact = true;
  let counts = new Map<number, number>();
  return {
    /** Adds the encoded distribution in bytes [from, to). */
    add(bytes: Buffer, from: number, to: number) {
      const blobExact = bytes.readDoubleLE(from) === 1;
      if (exact && !blobExact) {
        exact = false;
        counts = toHistogram(counts);
      }
      for (let o = from + 8; o < to; o += 16) {
        const raw = bytes.readDoubleLE(o);
        // An exact blob's keys are values; into a histogram they go as their index.
        const key = exact || !blobExact ? raw : indexOf(raw);
        counts.set(key, (counts.get(key) ?? 0) + bytes.readDoubleLE(o + 8));
      }
      if (exact && counts.size > EXACT_LIMIT) {
        exact = false;
        counts = toHistogram(counts);
      }
    },
    result: (): Distribution => ({ exact, counts }),
  };
}

/**
 * A merged distribution as its distinct keys in ascending order with their counts: what a
 * percentile reads. Values when `exact`, histogram indexes otherwise, as in Distribution.
 */
export interface SortedDistribution {
  exact: boolean;
  keys: Float64Array;
  counts: Float64Array;
}

/**
 * The merge of encoded distributions lying at `ranges` ([from, to) pairs, in float64 units) of
 * `values` (blobs concatenated, see SeriesStore), sorted: the same keys and counts as mergeEncoded
 * (exact while every blob is exact and there are at most EXACT_LIMIT distinct values; a histogram
 * otherwise), built without a Map. GetMetricData merges thousands of small periods per query, and
 * a Map per period plus a sort of its keys for the percentile was most of the JavaScript time:
 * here the pairs are copied out, sorted by key with a stable sort (so equal keys keep the blobs'
 * order, the order mergeEncoded adds their counts in) and equal keys summed.
 */
export function mergeSorted(values: Float64Array, ranges: number[]): SortedDistribution {
  let pairs = 0;
  let exact = true;
  for (let r = 0; r < ranges.length; r += 2) {
    pairs += (ranges[r + 1]! - ranges[r]! - 1) / 2;
    if (values[ranges[r]!] !== 1) exact = false;
  }
  const keys = new Float64Array(pairs);
  const counts = new Float64Array(pairs);
  let n = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    // A histogram's keys are indexes already; an exact blob's are values, indexed when merged into one.
    const index = !exact && values[ranges[r]!] === 1;
    for (let o = ranges[r]! + 1; o < ranges[r + 1]!; o += 2, n++) {
      keys[n] = index ? indexOf(values[o]!) : values[o]!;
      counts[n] = values[o + 1]!;
    }
  }
  sortPairs(keys, counts);
  let distinct = sumEqualKeys(keys, counts, n);
  if (exact && distinct > EXACT_LIMIT) {
    exact = false;
    // indexOf never decreases: the keys stay sorted.
    for (let k = 0; k < distinct; k++) keys[k] = indexOf(keys[k]!);
    distinct = sumEqualKeys(keys, counts, distinct);
  }
  return { exact, keys: keys.subarray(0, distinct), counts: counts.subarray(0, distinct) };
}

/** Sorts the pairs by key, stably: insertion sort for a period's few dozen, Array's sort beyond. */
function sortPairs(keys: Float64Array, counts: Float64Array): void {
  const n = keys.length;
  if (n <= 128) {
    for (let i = 1; i < n; i++) {
      const key = keys[i]!;
      const count = counts[i]!;
      let j = i - 1;
      for (; j >= 0 && keys[j]! > key; j--) {
        keys[j + 1] = keys[j]!;
        counts[j + 1] = counts[j]!;
      }
      keys[j + 1] = key;
      counts[j + 1] = count;
    }
    return;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
  const [k0, c0] = [keys.slice(), counts.slice()];
  order.forEach((from, to) => {
    keys[to] = k0[from]!;
    counts[to] = c0[from]!;
  });
}

/** Folds runs of equal keys (sorted) in the first n pairs into one, in order; returns how many remain. */
function sumEqualKeys(keys: Float64Array, counts: Float64Array, n: number): number {
  let out = 0;
  for (let i = 0; i < n; i++) {
    if (out > 0 && keys[out - 1] === keys[i]) counts[out - 1] += counts[i]!;
    else {
      keys[out] = keys[i]!;
      counts[out++] = counts[i]!;
    }
  }
  return out;
}

/** percentile() of a SortedDistribution: the same nearest rank, the same clamp to [min, max]. */
export function sortedPercentile(d: SortedDistribution, p: number, min: number, max: number): number | undefined {
  let total = 0;
  for (let k = 0; k < d.counts.length; k++) total += d.counts[k]!;
  if (total === 0) return undefined;
  const rank = Math.max((p / 100) * total, Number.MIN_VALUE);
  let seen = 0;
  for (let k = 0; k < d.keys.length; k++) {
    seen += d.counts[k]!;
    if (seen >= rank * (1 - 1e-12)) return Math.min(max, Math.max(min, d.exact ? d.keys[k]! : valueOf(d.keys[k]!)));
  }
  return max;
}

function toHistogram(exact: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [value, count] of exact) {
    const index = indexOf(value);
    out.set(index, (out.get(index) ?? 0) + count);
  }
  return out;
}

export function decode(blob: Buffer): Distribution {
  // A copy: SQLite's buffer need not be 8-byte aligned.
  const values = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  const counts = new Map<number, number>();
  for (let i = 1; i < values.length; i += 2) counts.set(values[i]!, values[i + 1]!);
  return { exact: values[0] === 1, counts };
}
