import type {
  AnomalyDetector, DeleteAnomalyDetectorInput, DescribeAnomalyDetectorsInput, DescribeAnomalyDetectorsOutput, MetricDataQuery, PutAnomalyDetectorInput,
} from "@aws-sdk/client-cloudwatch";
import type { Handler } from "../../aws/service.js";
import type { Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import type { Db } from "../../store/database.js";
import type { MetricQueries } from "../metrics/metric-queries.js";
import { invalidNextToken, invalidValue } from "../errors.js";
import { MIN_TRAINING, TRAINING_SECONDS } from "./anomaly-band.js";
import { checkConfiguration, identify } from "./anomaly-detector-input.js";
import { AnomalyDetectorStore, type StoredDetector } from "./anomaly-detector-store.js";

/** CloudWatch's quota of anomaly detection models per account and region. */
export const MAX_DETECTORS = 500;
const MAX_RESULTS = 100;

/**
 * PutAnomalyDetector, DescribeAnomalyDetectors and DeleteAnomalyDetector. A detector records which
 * model to keep and its Configuration; the band itself is computed from the stored history when it
 * is asked for (anomaly-band.ts), so StateValue is TRAINED once that history is long enough.
 */
export function anomalyDetectorHandlers({ db, queries, now }: { db: Db; queries: MetricQueries; now: () => Date }): Record<string, Handler> {
  const store = new AnomalyDetectorStore(db);
  return {
    PutAnomalyDetector: (input: PutAnomalyDetectorInput, ctx) => {
      const id = identify(input);
      const configuration = checkConfiguration(input.Configuration);
      const existing = store.get(ctx, id.key);
      if (!existing && store.count(ctx) >= MAX_DETECTORS) {
        throw new ServiceError("LimitExceededException", `You have reached the limit of ${MAX_DETECTORS} anomaly detection models in this Region.`);
      }
      const detector: AnomalyDetector = {
        ...id.detector,
        Configuration: configuration ?? existing?.detector.Configuration ?? { ExcludedTimeRanges: [] },
        ...(input.MetricCharacteristics ? { MetricCharacteristics: input.MetricCharacteristics } : existing?.detector.MetricCharacteristics ? { MetricCharacteristics: existing.detector.MetricCharacteristics } : {}),
      };
      store.save(ctx, { key: id.key, type: id.type, detector });
      return {};
    },
    DescribeAnomalyDetectors: (input: DescribeAnomalyDetectorsInput, ctx): DescribeAnomalyDetectorsOutput => {
      const max = input.MaxResults ?? MAX_RESULTS;
      if (max > MAX_RESULTS) throw invalidValue(`The value ${max} for parameter MaxResults is greater than the maximum of ${MAX_RESULTS}.`);
      const filtered = store.list(ctx).filter((d) => matches(d, input));
      let from = 0;
      if (input.NextToken !== undefined) {
        const m = /^ad:(\d{1,6})$/.exec(Buffer.from(input.NextToken, "base64url").toString("utf8"));
        if (!m || Number(m[1]) > filtered.length) throw invalidNextToken();
        from = Number(m[1]);
      }
      const page = filtered.slice(from, from + max);
      const next = from + max < filtered.length ? Buffer.from(`ad:${from + max}`).toString("base64url") : undefined;
      return { AnomalyDetectors: page.map((d) => ({ ...d.detector, StateValue: stateOf(queries, ctx, d, now()) })), NextToken: next };
    },
    DeleteAnomalyDetector: (input: DeleteAnomalyDetectorInput, ctx) => {
      const id = identify(input);
      if (!store.delete(ctx, id.key)) {
        throw new ServiceError("ResourceNotFoundException", "No anomaly detector found for the given metric or metric math expression.", true, { ResourceType: "AnomalyDetector", ResourceId: id.key });
      }
      return {};
    },
  };
}

/** The filters: types, and for single-metric detectors the namespace, name and a subset of the dimensions. */
function matches(d: StoredDetector, f: DescribeAnomalyDetectorsInput): boolean {
  if (f.AnomalyDetectorTypes?.length && !f.AnomalyDetectorTypes.includes(d.type)) return false;
  if (f.Namespace === undefined && f.MetricName === undefined && !f.Dimensions?.length) return true;
  const s = d.detector.SingleMetricAnomalyDetector;
  if (!s) return false;
  if (f.Namespace !== undefined && s.Namespace !== f.Namespace) return false;
  if (f.MetricName !== undefined && s.MetricName !== f.MetricName) return false;
  return (f.Dimensions ?? []).every((want) => (s.Dimensions ?? []).some((have) => have.Name === want.Name && have.Value === want.Value));
}

/**
 * TRAINED once the modelled metric has MIN_TRAINING datapoints in the last 14 days, the least the
 * band needs, at one-minute periods or (high-resolution data, shortened periods) one-second ones;
 * PENDING_TRAINING before.
 */
function stateOf(queries: MetricQueries, scope: Scope, d: StoredDetector, now: Date): AnomalyDetector["StateValue"] {
  const trained = [60, 1].some((period) => datapoints(queries, scope, d, now, period) >= MIN_TRAINING);
  return trained ? "TRAINED" : "PENDING_TRAINING";
}

function datapoints(queries: MetricQueries, scope: Scope, d: StoredDetector, now: Date, period: number): number {
  const s = d.detector.SingleMetricAnomalyDetector;
  const metricQueries: MetricDataQuery[] = s
    ? [{ Id: "m1", MetricStat: { Metric: { Namespace: s.Namespace, MetricName: s.MetricName, Dimensions: s.Dimensions }, Period: period, Stat: s.Stat } }]
    : d.detector.MetricMathAnomalyDetector!.MetricDataQueries!.map((q) => (q.MetricStat ? { ...q, MetricStat: { ...q.MetricStat, Period: period } } : { ...q, Period: undefined }));
  try {
    const out = queries.getMetricData(scope, { MetricDataQueries: metricQueries, StartTime: new Date(now.getTime() - TRAINING_SECONDS * 1000), EndTime: now });
    return out.MetricDataResults?.find((r) => metricQueries.find((q) => q.Id === r.Id)?.ReturnData !== false)?.Values?.length ?? 0;
  } catch {
    // An expression that cannot be evaluated over the data there is (yet) has no model either.
    return 0;
  }
}
