/**
 * CloudWatch's retention: data at 1-second resolution is kept 3 hours, at 60 seconds 15 days, at
 * 5 minutes 63 days and at 1 hour 455 days; "data points that are initially published with a
 * shorter period are aggregated together for long-term storage". Each tier's data rolls into the
 * next when it passes its age, so a point is always stored once, at the finest resolution its age
 * allows.
 */
export interface Tier {
  /** Bucket width in seconds. */
  resolution: number;
  /** How long (seconds) data stays at this resolution. */
  keep: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

export const TIERS: readonly Tier[] = [
  { resolution: 1, keep: 3 * HOUR },
  { resolution: 60, keep: 15 * DAY },
  { resolution: 300, keep: 63 * DAY },
  { resolution: 3600, keep: 455 * DAY },
];

/** The tier a point of this storage resolution and age (seconds, negative in the future) is stored at. */
export function tierFor(storageResolution: number, ageSeconds: number): Tier | undefined {
  return TIERS.find((t) => t.resolution >= storageResolution && ageSeconds < t.keep);
}

/**
 * Where CloudWatch starts the first period of a query: StartTime rounded down to the minute when
 * it is less than 15 days ago, to 5 minutes up to 63 days, to the hour beyond; a period of 1, 5,
 * 10, 20 or 30 seconds rounds to that division of a minute instead. Seconds since the epoch.
 */
export function alignStart(startSeconds: number, period: number, nowSeconds: number): number {
  const age = nowSeconds - startSeconds;
  const step = period < 60 ? period : age < 15 * DAY ? 60 : age < 63 * DAY ? 300 : HOUR;
  return Math.floor(startSeconds / step) * step;
}

/** Periods CloudWatch accepts: 1, 5, 10, 20, 30 (high resolution) or any multiple of 60. */
export const isValidPeriod = (period: number) => [1, 5, 10, 20, 30].includes(period) || (period >= 60 && period % 60 === 0);
