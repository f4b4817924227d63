import type { DescribeMetricFiltersResponse, MetricFilter, MetricFilterMatchRecord, MetricTransformation } from "@aws-sdk/client-cloudwatch-logs";
import type { Scope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import type { Db } from "../store/database.js";
import type { MetricSample, MetricSink } from "../cloudwatch/metrics/metric-sink.js";
import { invalidParameter, resourceNotFound } from "./errors.js";
import { compileFilterPattern, type CompiledPattern } from "./filter-pattern/filter-pattern.js";
import type { InputEvent } from "./log-events.js";
import { requireGroup, type GroupRow } from "./log-groups.js";
import { compileTransformation, type CompiledTransformation, type MatchedEvent } from "./metric-transformation.js";
import { decodeToken, encodeToken } from "./page-token.js";

/** PutMetricFilter's quota: filters a log group can have. */
export const MAX_FILTERS_PER_GROUP = 100;

interface FilterRow {
  group_id: number;
  name: string;
  pattern: string;
  transformation: string;
  created_at: number;
}

export interface PutMetricFilter {
  logGroupName: string;
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
}

/** PutMetricFilter: creates the filter or replaces the group's filter of that name. */
export function putMetricFilter(db: Db, clock: Clock, scope: Scope, input: PutMetricFilter): void {
  const group = requireGroup(db, scope, input.logGroupName);
  const pattern = compileFilterPattern(input.filterPattern);
  const t = input.metricTransformations[0]!;
  compileTransformation(t, pattern);
  db.transaction(() => {
    const existing = db.prepare("SELECT created_at FROM log_metric_filters WHERE group_id = ? AND name = ?").get(group.id, input.filterName) as { created_at: number } | undefined;
    if (existing === undefined) {
      const { n } = db.prepare("SELECT count(*) AS n FROM log_metric_filters WHERE group_id = ?").get(group.id) as { n: number };
      if (n >= MAX_FILTERS_PER_GROUP) throw new ServiceError("LimitExceededException", "Resource limit exceeded.");
    }
    const stored: MetricTransformation = {
      metricName: t.metricName, metricNamespace: t.metricNamespace, metricValue: t.metricValue,
      ...(t.defaultValue !== undefined ? { defaultValue: t.defaultValue } : {}),
      ...(t.dimensions !== undefined && Object.keys(t.dimensions).length > 0 ? { dimensions: t.dimensions } : {}),
      ...(t.unit !== undefined ? { unit: t.unit } : {}),
    };
    db.prepare("INSERT OR REPLACE INTO log_metric_filters (group_id, name, pattern, transformation, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(group.id, input.filterName, input.filterPattern, JSON.stringify(stored), existing?.created_at ?? clock.now().getTime());
  })();
}

export function deleteMetricFilter(db: Db, scope: Scope, groupName: string, filterName: string): void {
  const group = requireGroup(db, scope, groupName);
  const { changes } = db.prepare("DELETE FROM log_metric_filters WHERE group_id = ? AND name = ?").run(group.id, filterName);
  if (changes === 0) throw resourceNotFound("The specified metric filter does not exist.");
}

export interface DescribeMetricFilters {
  logGroupName?: string;
  filterNamePrefix?: string;
  metricName?: string;
  metricNamespace?: string;
  limit?: number;
  nextToken?: string;
}

/** DescribeMetricFilters: ordered by group name, then filter name; pages of `limit` (default 50). */
export function describeMetricFilters(db: Db, scope: Scope, q: DescribeMetricFilters): DescribeMetricFiltersResponse {
  if (q.filterNamePrefix !== undefined && q.logGroupName === undefined) throw invalidParameter("logGroupName is required when filterNamePrefix is given.");
  if ((q.metricName === undefined) !== (q.metricNamespace === undefined)) throw invalidParameter("metricName and metricNamespace must be given together.");
  const limit = q.limit ?? 50;
  let sql = `SELECT f.*, g.name AS group_name FROM log_metric_filters f JOIN log_groups g ON g.id = f.group_id WHERE g.account = ? AND g.region = ?`;
  const args: unknown[] = [scope.account, scope.region];
  if (q.logGroupName !== undefined) (sql += " AND g.id = ?"), args.push(requireGroup(db, scope, q.logGroupName).id);
  if (q.filterNamePrefix !== undefined) (sql += " AND substr(f.name, 1, length(?)) = ?"), args.push(q.filterNamePrefix, q.filterNamePrefix);
  if (q.metricName !== undefined) {
    sql += " AND json_extract(f.transformation, '$.metricName') = ? AND json_extract(f.transformation, '$.metricNamespace') = ?";
    args.push(q.metricName, q.metricNamespace);
  }
  if (q.nextToken !== undefined) {
    const [g, f] = decodeToken<[string, string]>(q.nextToken, (v) => (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "string") ? (v as [string, string]) : undefined));
    (sql += " AND (g.name, f.name) > (?, ?)"), args.push(g, f);
  }
  sql += " ORDER BY g.name, f.name LIMIT ?";
  args.push(limit + 1);
  const rows = db.prepare(sql).all(...args) as Array<FilterRow & { group_name: string }>;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    metricFilters: page.map((r): MetricFilter => ({
      filterName: r.name, filterPattern: r.pattern, metricTransformations: [JSON.parse(r.transformation) as MetricTransformation],
      creationTime: r.created_at, logGroupName: r.group_name, applyOnTransformedLogs: false,
    })),
    ...(rows.length > limit && last ? { nextToken: encodeToken([last.group_name, last.name]) } : {}),
  };
}

/** The number of filters a group has (DescribeLogGroups' metricFilterCount). */
export const metricFilterCount = (db: Db, groupId: number) =>
  (db.prepare("SELECT count(*) AS n FROM log_metric_filters WHERE group_id = ?").get(groupId) as { n: number }).n;

/** TestMetricFilter: the messages the pattern matches (numbered from 1) with the fields it extracts. */
export function testMetricFilter(filterPattern: string, messages: string[]): MetricFilterMatchRecord[] {
  const pattern = compileFilterPattern(filterPattern);
  const matches: MetricFilterMatchRecord[] = [];
  messages.forEach((message, i) => {
    const fields = extract(pattern, message);
    if (fields !== undefined) matches.push({ eventNumber: i + 1, eventMessage: message, extractedValues: fields });
  });
  return matches;
}

const extract = (pattern: CompiledPattern, message: string) => (pattern.extract ? pattern.extract(message) : pattern.matches(message) ? {} : undefined);

interface ActiveFilter {
  pattern: CompiledPattern;
  t: MetricTransformation;
  compiled: CompiledTransformation;
}

/**
 * Publishes what a group's metric filters make of newly stored events to CloudWatch metrics, at
 * each event's timestamp: a matching event gives metricValue (with its dimensions), one that does
 * not match gives defaultValue when the filter has one. Values of one metric in one second go as
 * one statistic set, so a batch of thousands of matches is a few samples, not thousands.
 */
export function createMetricFilterPublisher(db: Db, sink: MetricSink) {
  const select = db.prepare("SELECT * FROM log_metric_filters WHERE group_id = ?");
  return {
    publish(scope: Scope, group: GroupRow, events: InputEvent[]): void {
      if (events.length === 0) return;
      const rows = select.all(group.id) as FilterRow[];
      if (rows.length === 0) return;
      const filters: ActiveFilter[] = rows.map((r) => {
        const pattern = compileFilterPattern(r.pattern);
        const t = JSON.parse(r.transformation) as MetricTransformation;
        return { pattern, t, compiled: compileTransformation(t, pattern) };
      });
      const sets = new Map<string, MetricSample & { statistics: NonNullable<MetricSample["statistics"]> }>();
      const add = (f: ActiveFilter, dims: Array<{ name: string; value: string }>, timestamp: number, value: number) => {
        const second = Math.floor(timestamp / 1000) * 1000;
        const key = JSON.stringify([f.t.metricNamespace, f.t.metricName, f.t.unit ?? "None", dims, second]);
        const s = sets.get(key);
        if (s === undefined) {
          sets.set(key, {
            namespace: f.t.metricNamespace!, metricName: f.t.metricName!, dimensions: dims, timestamp: new Date(second), value,
            statistics: { SampleCount: 1, Sum: value, Minimum: value, Maximum: value }, ...(f.t.unit !== undefined ? { unit: f.t.unit } : {}),
          });
          return;
        }
        s.statistics.SampleCount++;
        s.statistics.Sum += value;
        s.statistics.Minimum = Math.min(s.statistics.Minimum, value);
        s.statistics.Maximum = Math.max(s.statistics.Maximum, value);
      };
      for (const f of filters) {
        for (const e of events) {
          const fields = extract(f.pattern, e.message);
          if (fields === undefined) {
            if (f.t.defaultValue !== undefined) add(f, [], e.timestamp, f.t.defaultValue);
            continue;
          }
          let parsed: { value: unknown } | undefined;
          const matched: MatchedEvent = {
            fields,
            json() {
              if (parsed === undefined) {
                try {
                  parsed = { value: JSON.parse(e.message) };
                } catch {
                  parsed = { value: undefined };
                }
              }
              return parsed.value;
            },
          };
          const value = f.compiled.value(matched);
          const dims = f.compiled.dimensions(matched);
          if (value !== undefined && dims !== undefined) add(f, dims, e.timestamp, value);
        }
      }
      if (sets.size > 0) sink.put(scope, [...sets.values()]);
    },
  };
}

export type MetricFilterPublisher = ReturnType<typeof createMetricFilterPublisher>;
