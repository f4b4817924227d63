import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import { mergeAggregate, type Aggregate } from "./aggregate.js";
import { decode, encode, mergeInto, mergeSorted, type Distribution, type SortedDistribution } from "./distribution.js";
import { TIERS, tierFor } from "./retention.js";

export interface Dimension {
  Name: string;
  Value: string;
}

/** A metric: its namespace, name and the set of its dimensions. */
export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
}

/** Values for one metric at one time, already aggregated (a value, values with counts, a statistic set). */
export interface MetricPoint extends MetricIdentity {
  /** Epoch ms. */
  timestamp: number;
  unit: string;
  storageResolution: number;
  agg: Aggregate;
}

/** One stored bucket, as a query reads it; the distribution is decoded only when asked for. */
export interface StoredBucket {
  /** Start, epoch seconds. */
  bucket: number;
  resolution: number;
  unit: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  dist: Buffer | null;
}

export interface StoredSeries extends MetricIdentity {
  id: number;
  lastPut: number;
}

/** The dimensions of a metric in the one order that names its series: sorted by name. */
export const dimensionsKey = (dimensions: Dimension[]) =>
  JSON.stringify(dimensions.map((d) => [d.Name, d.Value]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0)));

const parseDimensions = (key: string): Dimension[] => (JSON.parse(key) as [string, string][]).map(([Name, Value]) => ({ Name, Value }));

/** ListMetrics' RecentlyActive is three hours: last_put is refreshed at most once a minute per series. */
const LAST_PUT_GRANULARITY_MS = 60_000;
/** Series rolled up per transaction by the maintenance pass (bounded so a pass never holds the writer long). */
const ROLLUP_BATCH = 100;

/**
 * Metric data in SQLite: series rows, and aggregates per (series, bucket, resolution, unit).
 * Ingest aggregates a batch in memory and writes each touched bucket once, in one transaction
 * of prepared statements; maintain() rolls aged buckets into coarser tiers and drops what is
 * past 455 days, so disk stays bounded whatever the rate of puts.
 */
export class SeriesStore {
  private readonly ids = new Map<string, number>();
  private readonly lastPuts = new Map<number, number>();
  /** Per tier, the bucket below which maintain() has already rolled everything. */
  private readonly rolledBelow = new Map<number, number>();

  /**
   * `everySecond`: recent data is kept at 1 second whatever its StorageResolution, so that periods
   * shortened by metricPeriodScale (6 s for 60 s at scale 10) find standard-resolution data too.
   */
  constructor(private readonly db: Db, private readonly clock: Clock, private readonly everySecond = false) {
    // A bucket's distribution is unknown (NULL) as soon as one side of a merge is.
    db.function("cw_merge_dist", { deterministic: true }, (a: unknown, b: unknown) => {
      if (!(a instanceof Buffer) || !(b instanceof Buffer)) return null;
      const into = decode(a);
      mergeInto(into, decode(b));
      return encode(into);
    });
  }

  private pending: Array<{ scope: Scope; points: MetricPoint[]; done: (err?: unknown) => void }> = [];

  /**
   * Group commit: the puts that arrive while one transaction commits are written together in the
   * next, so a commit's cost (its WAL append; the fsync is DurableAnswers' before the answer) is
   * paid once per group rather than once per request. Resolves once this put's transaction committed.
   */
  writeSoon(scope: Scope, points: MetricPoint[]): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ scope, points, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    try {
      this.writeAll(group);
    } catch (err) {
      for (const g of group) g.done(err);
      return;
    }
    for (const g of group) g.done();
  }

  write(scope: Scope, points: MetricPoint[]): void {
    this.writeAll([{ scope, points }]);
  }

  private writeAll(group: Array<{ scope: Scope; points: MetricPoint[] }>): void {
    const now = this.clock.now().getTime();
    const nowSeconds = now / 1000;
    try {
      this.db.transaction(() => {
        const buckets = new Map<string, { series: number; bucket: number; resolution: number; unit: string; agg: Aggregate }>();
        const touched = new Set<number>();
        for (const { scope, points } of group) for (const p of points) {
          const series = this.seriesId(scope, p, now);
          touched.add(series);
          const tier = tierFor(this.everySecond ? 1 : p.storageResolution, nowSeconds - p.timestamp / 1000);
          if (!tier) continue;
          const bucket = Math.floor(p.timestamp / 1000 / tier.resolution) * tier.resolution;
          const key = `${series}|${bucket}|${tier.resolution}|${p.unit}`;
          const existing = buckets.get(key);
          // The point's aggregate may be shared with the caller: copy before merging into it.
          if (existing) mergeAggregate(existing.agg, p.agg);
          else buckets.set(key, { series, bucket, resolution: tier.resolution, unit: p.unit, agg: copy(p.agg) });
        }
        for (const b of buckets.values()) this.mergeBucket(b.series, b.bucket, b.resolution, b.unit, b.agg);
        const touch = this.db.prepare("UPDATE cw_series SET last_put = ? WHERE id = ?");
        for (const id of touched) {
          if (now - (this.lastPuts.get(id) ?? 0) < LAST_PUT_GRANULARITY_MS) continue;
          touch.run(now, id);
          this.lastPuts.set(id, now);
        }
      })();
    } catch (err) {
      // Ids handed out inside the rolled-back transaction do not exist.
      this.ids.clear();
      this.lastPuts.clear();
      throw err;
    }
  }

  private seriesId(scope: Scope, m: MetricIdentity, now: number): number {
    const dims = dimensionsKey(m.dimensions);
    const key = `${scope.account}\0${scope.region}\0${m.namespace}\0${m.metricName}\0${dims}`;
    let id = this.ids.get(key);
    if (id !== undefined) return id;
    const row = this.db.prepare("SELECT id FROM cw_series WHERE account = ? AND region = ? AND namespace = ? AND metric_name = ? AND dimensions = ?")
      .get(scope.account, scope.region, m.namespace, m.metricName, dims) as { id: number } | undefined;
    id = row?.id ?? Number(this.db.prepare("INSERT INTO cw_series (account, region, namespace, metric_name, dimensions, last_put) VALUES (?, ?, ?, ?, ?, ?)")
      .run(scope.account, scope.region, m.namespace, m.metricName, dims, now).lastInsertRowid);
    this.ids.set(key, id);
    return id;
  }

  /** Adds an aggregate to a bucket in one upsert; distributions merge in SQL through cw_merge_dist. */
  private mergeBucket(series: number, bucket: number, resolution: number, unit: string, agg: Aggregate): void {
    this.db.prepare(`INSERT INTO cw_points (series, bucket, resolution, unit, count, sum, min, max, dist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (series, bucket, resolution, unit) DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum,
        min = min(min, excluded.min), max = max(max, excluded.max), dist = cw_merge_dist(dist, excluded.dist)`)
      .run(series, bucket, resolution, unit, agg.count, agg.sum, agg.min, agg.max, agg.dist ? encode(agg.dist) : null);
  }

  /** The series of exactly this metric, if it was ever put. */
  find(scope: Scope, m: MetricIdentity): number | undefined {
    const row = this.db.prepare("SELECT id FROM cw_series WHERE account = ? AND region = ? AND namespace = ? AND metric_name = ? AND dimensions = ?")
      .get(scope.account, scope.region, m.namespace, m.metricName, dimensionsKey(m.dimensions)) as { id: number } | undefined;
    return row?.id;
  }

  /**
   * A series' buckets starting in [from, to) (epoch seconds), oldest first. Their distributions
   * are read only `withDistributions` (dist is null otherwise): copying a blob out of SQLite for
   * every bucket is most of a query's cost when no percentile needs them.
   */
  read(series: number, from: number, to: number, withDistributions = true): StoredBucket[] {
    return this.db.prepare(`SELECT bucket, resolution, unit, count, sum, min, max, ${withDistributions ? "dist" : "NULL AS dist"} FROM cw_points
      WHERE series = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`).all(series, from, to) as StoredBucket[];
  }

  /**
   * What a percentile needs of each period of [start, end) (epoch seconds; periods from `start`),
   * oldest first: the merge of the buckets' distributions (null when a bucket of the period has
   * none), and the least and greatest value the percentile is clamped to. Buckets as intoPeriods
   * takes them: those whose resolution divides the period, of `unit` when one is given.
   *
   * better-sqlite3 copies every blob it returns into a Buffer of its own, and that was most of a
   * percentile query's time (14,400 one-minute buckets for 10 series over a day); here SQLite
   * concatenates the range's blobs into one (group_concat keeps a blob's bytes) and says which
   * bucket each is and how long (0: the bucket has none), so the range costs one copy and one
   * query. The buckets' min and max are read only for periods whose merge is a histogram: an exact
   * distribution holds every value of its period, so its least and greatest keys are the period's
   * min and max and the clamp changes nothing.
   */
  readPeriodDistributions(series: number, start: number, end: number, period: number, unit: string | undefined):
    Array<{ start: number; min: number; max: number; dist: SortedDistribution | null }> {
    const where = `FROM cw_points WHERE series = @series AND bucket >= @start AND bucket < @end AND resolution <= @period
      AND @period % resolution = 0 AND (@unit IS NULL OR unit = @unit)`;
    const params = { series, start, end, period, unit: unit ?? null };
    // Three aggregates over the same rows step in the same order, the primary key's (bucket first):
    // the i-th bucket and length are the i-th blob's, and a period's buckets are consecutive.
    const packed = this.db.prepare(`SELECT group_concat(bucket) AS buckets, group_concat(ifnull(length(dist), 0)) AS lengths,
      CAST(group_concat(dist, x'') AS BLOB) AS bytes ${where}`).get(params) as { buckets: string | null; lengths: string | null; bytes: Buffer | null };
    if (!packed.buckets || !packed.lengths) return [];
    const buckets = packed.buckets.split(",");
    const lengths = packed.lengths.split(",");
    // One aligned copy of the blobs as float64s (each blob is 8 + 16n bytes, so every one starts on a float).
    const bytes = packed.bytes ?? Buffer.alloc(0);
    const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const out: Array<{ start: number; min: number; max: number; dist: SortedDistribution | null }> = [];
    let current: { start: number; ranges: number[] | null } | undefined;
    const close = () => {
      if (!current) return;
      const dist = current.ranges ? mergeSorted(values, current.ranges) : null;
      out.push({ start: current.start, dist, min: dist?.keys[0] ?? NaN, max: dist?.keys[dist.keys.length - 1] ?? NaN });
    };
    let offset = 0;
    for (let i = 0; i < buckets.length; i++) {
      const at = start + Math.floor((Number(buckets[i]) - start) / period) * period;
      if (current?.start !== at) {
        close();
        current = { start: at, ranges: [] };
      }
      const length = Number(lengths[i]);
      if (length === 0) current.ranges = null;
      else current.ranges?.push(offset / 8, (offset + length) / 8);
      offset += length;
    }
    close();
    if (out.some((p) => p.dist && !p.dist.exact)) {
      const bounds = new Map<number, { min: number; max: number }>();
      // Objects, not .raw(): statements are shared per SQL text (src/store/database.ts), so none may change its mode.
      for (const { bucket, min, max } of this.db.prepare(`SELECT bucket, min, max ${where}`).all(params) as Array<{ bucket: number; min: number; max: number }>) {
        const at = start + Math.floor((bucket - start) / period) * period;
        const b = bounds.get(at);
        if (!b) bounds.set(at, { min, max });
        else [b.min, b.max] = [Math.min(b.min, min), Math.max(b.max, max)];
      }
      for (const p of out) if (p.dist && !p.dist.exact) Object.assign(p, bounds.get(p.start));
    }
    return out;
  }

  /** Series of an account and region, optionally of one namespace and name, put to since `since` (epoch ms). */
  list(scope: Scope, { namespace, metricName, since }: { namespace?: string; metricName?: string; since: number }): StoredSeries[] {
    const rows = this.db.prepare(`SELECT id, namespace, metric_name, dimensions, last_put FROM cw_series
      WHERE account = ? AND region = ? AND last_put >= ? AND (? IS NULL OR namespace = ?) AND (? IS NULL OR metric_name = ?)
      ORDER BY namespace, metric_name, dimensions`)
      .all(scope.account, scope.region, since, namespace ?? null, namespace ?? null, metricName ?? null, metricName ?? null) as
      Array<{ id: number; namespace: string; metric_name: string; dimensions: string; last_put: number }>;
    return rows.map((r) => ({ id: r.id, namespace: r.namespace, metricName: r.metric_name, dimensions: parseDimensions(r.dimensions), lastPut: r.last_put }));
  }

  /**
   * Rolls every bucket past its tier's age into the next tier, drops what is past the last tier,
   * and forgets series with no data left. Runs on a timer; each batch is its own transaction.
   */
  maintain(): void {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const seriesIds = (this.db.prepare("SELECT id FROM cw_series").all() as { id: number }[]).map((r) => r.id);
    for (let t = 0; t < TIERS.length; t++) {
      const tier = TIERS[t]!;
      const next = TIERS[t + 1];
      // Whole buckets of the next tier roll at once, so a coarse bucket is written once per pass.
      const width = next?.resolution ?? tier.resolution;
      const cutoff = Math.floor((nowSeconds - tier.keep) / width) * width;
      const from = this.rolledBelow.get(tier.resolution) ?? -Infinity;
      if (cutoff <= from) continue;
      for (let i = 0; i < seriesIds.length; i += ROLLUP_BATCH) {
        this.db.transaction(() => {
          for (const series of seriesIds.slice(i, i + ROLLUP_BATCH)) this.rollSeries(series, tier.resolution, next?.resolution, from, cutoff);
        })();
      }
      this.rolledBelow.set(tier.resolution, cutoff);
    }
    const emptied = this.db.prepare("DELETE FROM cw_series WHERE last_put < ? AND NOT EXISTS (SELECT 1 FROM cw_points WHERE series = cw_series.id)")
      .run((nowSeconds - TIERS[TIERS.length - 1]!.keep) * 1000);
    if (emptied.changes > 0) {
      this.ids.clear();
      this.lastPuts.clear();
    }
  }

  private rollSeries(series: number, resolution: number, nextResolution: number | undefined, from: number, to: number): void {
    const rows = this.db.prepare("SELECT bucket, unit, count, sum, min, max, dist FROM cw_points WHERE series = ? AND bucket >= ? AND bucket < ? AND resolution = ?")
      .all(series, Number.isFinite(from) ? from : -Number.MAX_SAFE_INTEGER, to, resolution) as StoredBucket[];
    if (rows.length === 0) return;
    if (nextResolution !== undefined) {
      const rolled = new Map<string, { bucket: number; unit: string; agg: Aggregate }>();
      for (const r of rows) {
        const bucket = Math.floor(r.bucket / nextResolution) * nextResolution;
        const key = `${bucket}|${r.unit}`;
        const agg: Aggregate = { count: r.count, sum: r.sum, min: r.min, max: r.max, dist: r.dist ? decode(r.dist) : null };
        const existing = rolled.get(key);
        if (existing) mergeAggregate(existing.agg, agg);
        else rolled.set(key, { bucket, unit: r.unit, agg });
      }
      for (const r of rolled.values()) this.mergeBucket(series, r.bucket, nextResolution, r.unit, r.agg);
    }
    this.db.prepare("DELETE FROM cw_points WHERE series = ? AND bucket >= ? AND bucket < ? AND resolution = ?")
      .run(series, Number.isFinite(from) ? from : -Number.MAX_SAFE_INTEGER, to, resolution);
  }
}

function copy(a: Aggregate): Aggregate {
  return { ...a, dist: a.dist ? { exact: a.dist.exact, counts: new Map(a.dist.counts) } : null };
}

export const decodeDistribution = (blob: Buffer | null): Distribution | null => (blob ? decode(blob) : null);
