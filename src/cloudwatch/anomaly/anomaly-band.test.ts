import { test } from "node:test";
import assert from "node:assert/strict";
import { anomalyBand, MIN_TRAINING, zoneOffset } from "./anomaly-band.js";

const HOUR = 3600;
const DAY = 24 * HOUR;
/** A deterministic noise in [-1, 1] (a linear congruential generator), so every run sees the same series. */
function noise(seed = 7) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
}

function series(from: number, to: number, period: number, f: (t: number) => number) {
  const timestamps: number[] = [];
  for (let t = from; t < to; t += period) timestamps.push(t);
  return { timestamps, values: timestamps.map(f) };
}

test("a constant series gives a narrow band around the constant", () => {
  const h = series(0, 3 * HOUR, 60, () => 50);
  const b = anomalyBand(h, [3 * HOUR, 3 * HOUR + 60], { period: 60, stddevs: 2 });
  assert.deepEqual(b.timestamps, [3 * HOUR, 3 * HOUR + 60]);
  for (let i = 0; i < 2; i++) {
    assert.equal(b.expected[i], 50);
    assert.ok(b.lower[i]! < 50 && b.upper[i]! > 50);
    assert.ok(b.upper[i]! - b.lower[i]! <= 1.01, `band ${b.lower[i]}..${b.upper[i]} is narrow`);
  }
});

test("a daily sine with noise gives a band that follows the sine, and the stddevs widen it", () => {
  const n = noise();
  const sine = (t: number) => 100 + 40 * Math.sin((2 * Math.PI * t) / DAY);
  const h = series(0, 5 * DAY, 300, (t) => sine(t) + 3 * n());
  const targets = series(5 * DAY, 6 * DAY, 300, () => 0).timestamps;
  const b = anomalyBand(h, targets, { period: 300, stddevs: 2 });
  assert.equal(b.timestamps.length, targets.length);
  b.timestamps.forEach((t, i) => {
    assert.ok(Math.abs(b.expected[i]! - sine(t)) < 6, `expected ${b.expected[i]} near ${sine(t)} at ${t}`);
    assert.ok(b.lower[i]! < sine(t) && sine(t) < b.upper[i]!);
    // Far narrower than the sine's swing: the band follows the time of day, not the whole range.
    assert.ok(b.upper[i]! - b.lower[i]! < 40, `band width ${b.upper[i]! - b.lower[i]!}`);
  });
  // The peak (6 h) and the trough (18 h) of the day have bands that do not overlap.
  const peak = b.timestamps.indexOf(5 * DAY + 6 * HOUR);
  const trough = b.timestamps.indexOf(5 * DAY + 18 * HOUR);
  assert.ok(b.lower[peak]! > b.upper[trough]!);
  const wide = anomalyBand(h, targets, { period: 300, stddevs: 4 });
  assert.ok(wide.upper[peak]! - wide.lower[peak]! > b.upper[peak]! - b.lower[peak]!);
});

test("a spike lands outside the band (and does not widen its own)", () => {
  const n = noise(3);
  const h = series(0, 2 * HOUR, 60, () => 20 + n());
  const spikeAt = 2 * HOUR;
  h.timestamps.push(spikeAt);
  h.values.push(60);
  const b = anomalyBand(h, [spikeAt], { period: 60, stddevs: 2 });
  assert.ok(b.upper[0]! < 60, `upper ${b.upper[0]}`);
  assert.ok(b.lower[0]! < 20 && b.upper[0]! > 20);
});

test("too little history: the model is still training and the target has no band", () => {
  const h = series(0, (MIN_TRAINING - 1) * 60, 60, () => 5);
  assert.deepEqual(anomalyBand(h, [MIN_TRAINING * 60], { period: 60, stddevs: 2 }).timestamps, []);
  const enough = series(0, MIN_TRAINING * 60, 60, () => 5);
  assert.deepEqual(anomalyBand(enough, [MIN_TRAINING * 60], { period: 60, stddevs: 2 }).timestamps, [MIN_TRAINING * 60]);
});

test("excluded time ranges are not trained on", () => {
  const h = series(0, 2 * HOUR, 60, (t) => (t >= HOUR && t < HOUR + 600 ? 1000 : 10));
  const withOutage = anomalyBand(h, [2 * HOUR - 3600 + 600], { period: 60, stddevs: 2 });
  const excluded = anomalyBand(h, [2 * HOUR - 3600 + 600], { period: 60, stddevs: 2, excluded: [{ start: HOUR, end: HOUR + 600 }] });
  assert.ok(withOutage.upper[0]! > 100);
  assert.ok(excluded.upper[0]! < 11);
});

test("MetricTimezone: the time of day is the zone's", () => {
  const offset = zoneOffset("America/New_York");
  assert.equal(offset(Date.UTC(2026, 0, 15) / 1000), -5 * HOUR);
  assert.equal(offset(Date.UTC(2026, 6, 15) / 1000), -4 * HOUR);
});
