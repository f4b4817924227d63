import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import { identify } from "./anomaly-detector-input.js";
import { AnomalyDetectorStore } from "./anomaly-detector-store.js";

const BAND_ARGUMENT = /ANOMALY_DETECTION_BAND\s*\(\s*([a-z][a-zA-Z0-9_]*)/i;

/**
 * As CloudWatch does, an anomaly detection alarm on a single metric creates that metric's anomaly
 * detector when there is none (DescribeAnomalyDetectors then lists it); an existing one is kept.
 */
export function ensureBandDetector(db: Db, scope: Scope, alarm: MetricAlarm): void {
  if (alarm.ThresholdMetricId === undefined) return;
  const band = alarm.Metrics?.find((m) => m.Id === alarm.ThresholdMetricId);
  const argument = band?.Expression && BAND_ARGUMENT.exec(band.Expression)?.[1];
  const stat = alarm.Metrics?.find((m) => m.Id === argument)?.MetricStat;
  if (!stat?.Metric) return;
  const id = identify({ SingleMetricAnomalyDetector: { Namespace: stat.Metric.Namespace, MetricName: stat.Metric.MetricName, Dimensions: stat.Metric.Dimensions ?? [], Stat: stat.Stat } });
  const store = new AnomalyDetectorStore(db);
  if (!store.get(scope, id.key)) store.save(scope, { ...id, detector: { ...id.detector, Configuration: { ExcludedTimeRanges: [] } } });
}
