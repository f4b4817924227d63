/**
 * Berth's anomaly detection band: a documented, deterministic stand-in for CloudWatch's proprietary
 * model (docs/compatibility.md, CloudWatch). Hand-written: the rule is Berth's own.
 *
 * For each period start t, the model trains on the metric's own values (at the query's period) in
 * the 14 days before t, never t itself or later, leaving out ExcludedTimeRanges:
 * - weekly seasonality when the history reaches back two weeks: the values at the same time of the
 *   week (within a window of the larger of one period and 15 minutes either side);
 * - else daily seasonality when it reaches back two days: the same time of day;
 * - else, or when fewer than MIN_SEASONAL such values exist, the trailing window: the last
 *   TRAILING values before t.
 * The band is mean +- stddevs x (population standard deviation), the deviation never below
 * MIN_RELATIVE_DEVIATION of the mean so a constant metric still has a (narrow) band. With fewer than
 * MIN_TRAINING values before t the model is still training and t has no band.
 */
export const TRAINING_SECONDS = 14 * 86400;
export const MIN_TRAINING = 10;
export const MIN_SEASONAL = 3;
export const TRAILING = 60;
export const MIN_RELATIVE_DEVIATION = 0.005;
const DAY = 86400;
const WEEK = 7 * DAY;

export interface BandOptions {
  /** The query's period, seconds. */
  period: number;
  /** The band's width in standard deviations (ANOMALY_DETECTION_BAND's second argument, 2 by default). */
  stddevs: number;
  /** Epoch-second [start, end) ranges never used for training. */
  excluded?: Array<{ start: number; end: number }>;
  /** Seconds to add to UTC for the metric's time zone at an instant (MetricTimezone), 0 by default. */
  utcOffset?: (epochSeconds: number) => number;
}

export interface Band {
  timestamps: number[];
  lower: number[];
  upper: number[];
  expected: number[];
}

/**
 * The band at each of `targets` (epoch seconds) from `history` (ascending timestamps, epoch seconds).
 * Targets where the model is still training are left out.
 */
export function anomalyBand(history: { timestamps: number[]; values: number[] }, targets: number[], o: BandOptions): Band {
  const offset = o.utcOffset ?? (() => 0);
  const excluded = o.excluded ?? [];
  const ts: number[] = [];
  const vs: number[] = [];
  history.timestamps.forEach((t, i) => {
    if (Number.isFinite(history.values[i]) && !excluded.some((r) => t >= r.start && t < r.end)) {
      ts.push(t);
      vs.push(history.values[i]!);
    }
  });
  const out: Band = { timestamps: [], lower: [], upper: [], expected: [] };
  const window = Math.max(o.period, 15 * 60);
  for (const t of targets) {
    const from = lowerBound(ts, t - TRAINING_SECONDS);
    const to = lowerBound(ts, t);
    if (to - from < MIN_TRAINING) continue;
    const oldest = ts[from]!;
    const season = oldest <= t - 2 * WEEK + o.period ? WEEK : oldest <= t - 2 * DAY + o.period ? DAY : undefined;
    let sample: number[] = [];
    if (season !== undefined) {
      // The same local time k seasons back (k = 0 is the stretch just before t), found by binary
      // search rather than a scan, so a long range over two weeks of history stays fast.
      for (let k = 0; k * season <= TRAINING_SECONDS + window; k++) {
        const back = t - k * season;
        const centre = back + (offset(t) - offset(back));
        // Windows of neighbouring seasons never overlap (periods of a day or more).
        const w = Math.min(window, season / 2 - 1);
        for (let i = Math.max(from, lowerBound(ts, centre - w)); i < to && ts[i]! <= centre + w; i++) sample.push(vs[i]!);
      }
    }
    if (sample.length < MIN_SEASONAL) sample = vs.slice(Math.max(from, to - TRAILING), to);
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const sd = Math.max(Math.sqrt(sample.reduce((a, b) => a + (b - mean) ** 2, 0) / sample.length), MIN_RELATIVE_DEVIATION * Math.abs(mean));
    out.timestamps.push(t);
    out.expected.push(mean);
    out.lower.push(mean - o.stddevs * sd);
    out.upper.push(mean + o.stddevs * sd);
  }
  return out;
}

/** The first index whose timestamp is >= t. */
function lowerBound(ts: number[], t: number): number {
  let [lo, hi] = [0, ts.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The UTC offset (seconds) of an IANA time zone at an instant, for BandOptions.utcOffset. */
export function zoneOffset(timeZone: string): (epochSeconds: number) => number {
  const format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
  // Offsets change only at quarter hours (time zone transitions happen on them): one lookup per quarter hour.
  const cache = new Map<number, number>();
  return (s) => {
    const quarter = Math.floor(s / 900) * 900;
    let offset = cache.get(quarter);
    if (offset === undefined) {
      const p = Object.fromEntries(format.formatToParts(new Date(quarter * 1000)).map((x) => [x.type, Number(x.value)]));
      offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000 - quarter;
      cache.set(quarter, offset);
    }
    return offset;
  };
}

/** Whether an IANA time zone name is known (MetricTimezone). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
