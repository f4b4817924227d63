import type { AnomalyDetector } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";

export type DetectorType = "SINGLE_METRIC" | "METRIC_MATH";

/** A stored detector: DescribeAnomalyDetectors' shape without StateValue (computed when described). */
export interface StoredDetector {
  key: string;
  type: DetectorType;
  detector: AnomalyDetector;
}

interface Row {
  model_key: string;
  type: DetectorType;
  doc: string;
}

function fromRow(r: Row): StoredDetector {
  const detector = JSON.parse(r.doc) as AnomalyDetector;
  for (const range of detector.Configuration?.ExcludedTimeRanges ?? []) {
    range.StartTime = new Date(range.StartTime as unknown as string);
    range.EndTime = new Date(range.EndTime as unknown as string);
  }
  return { key: r.model_key, type: r.type, detector };
}

/** The anomaly detectors' rows, one per model key in an account and region, in creation order. */
export class AnomalyDetectorStore {
  constructor(private readonly db: Db) {}

  get(scope: Scope, key: string): StoredDetector | undefined {
    const row = this.db.prepare("SELECT model_key, type, doc FROM cw_anomaly_detectors WHERE account = ? AND region = ? AND model_key = ?").get(scope.account, scope.region, key) as Row | undefined;
    return row && fromRow(row);
  }

  list(scope: Scope): StoredDetector[] {
    const rows = this.db.prepare("SELECT model_key, type, doc FROM cw_anomaly_detectors WHERE account = ? AND region = ? ORDER BY seq").all(scope.account, scope.region) as Row[];
    return rows.map(fromRow);
  }

  count(scope: Scope): number {
    return (this.db.prepare("SELECT count(*) AS n FROM cw_anomaly_detectors WHERE account = ? AND region = ?").get(scope.account, scope.region) as { n: number }).n;
  }

  /** Creates the detector, or replaces the configuration of the one with the same key (its place in the list stays). */
  save(scope: Scope, d: StoredDetector): void {
    this.db
      .prepare(
        `INSERT INTO cw_anomaly_detectors (account, region, model_key, type, doc, seq)
         VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM cw_anomaly_detectors))
         ON CONFLICT (account, region, model_key) DO UPDATE SET doc = excluded.doc`,
      )
      .run(scope.account, scope.region, d.key, d.type, JSON.stringify(d.detector));
  }

  /** Whether a detector was there to delete. */
  delete(scope: Scope, key: string): boolean {
    return this.db.prepare("DELETE FROM cw_anomaly_detectors WHERE account = ? AND region = ? AND model_key = ?").run(scope.account, scope.region, key).changes > 0;
  }
}
