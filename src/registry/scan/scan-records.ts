import type { Db } from "../../store/database.js";
import { emitImageScan } from "../image-events.js";
import type { Finding } from "./findings.js";
import type { FindingSeverity } from "./osv/severity.js";

export type ScanStatus = "IN_PROGRESS" | "COMPLETE" | "FAILED";

/** One image's latest scan (a new scan replaces the previous one, as in ECR). */
export interface ScanRecord {
  repoId: number;
  digest: string;
  /** Tells this scan from an earlier or later one of the same image (results land only on it). */
  scanId: string;
  status: ScanStatus;
  description?: string;
  startedAt: Date;
  completedAt?: Date;
  sourceUpdatedAt?: Date;
  counts?: Partial<Record<FindingSeverity, number>>;
}

interface Row {
  repo_id: number;
  digest: string;
  scan_id: string;
  status: ScanStatus;
  description: string | null;
  started_at: number;
  completed_at: number | null;
  source_updated_at: number | null;
  counts: string | null;
}

const toRecord = (r: Row): ScanRecord => ({
  repoId: r.repo_id,
  digest: r.digest,
  scanId: r.scan_id,
  status: r.status,
  description: r.description ?? undefined,
  startedAt: new Date(r.started_at),
  completedAt: r.completed_at === null ? undefined : new Date(r.completed_at),
  sourceUpdatedAt: r.source_updated_at === null ? undefined : new Date(r.source_updated_at),
  counts: r.counts === null ? undefined : (JSON.parse(r.counts) as ScanRecord["counts"]),
});

export function selectScan(db: Db, repoId: number, digest: string): ScanRecord | undefined {
  const row = db.prepare("SELECT * FROM image_scans WHERE repo_id = ? AND digest = ?").get(repoId, digest) as Row | undefined;
  return row ? toRecord(row) : undefined;
}

/** The oldest scan still to run, other than those in `skip`. */
export function nextPendingScan(db: Db, skip: ReadonlySet<string>): ScanRecord | undefined {
  const rows = db.prepare("SELECT * FROM image_scans WHERE status = 'IN_PROGRESS' ORDER BY started_at LIMIT ?").all(skip.size + 1) as Row[];
  const row = rows.find((r) => !skip.has(r.scan_id));
  return row ? toRecord(row) : undefined;
}

/** Starts a scan, replacing the image's previous one and its findings. */
export function insertScan(db: Db, repoId: number, digest: string, scanId: string, now: Date): ScanRecord {
  db.transaction(() => {
    db.prepare("DELETE FROM image_scans WHERE repo_id = ? AND digest = ?").run(repoId, digest);
    db.prepare("INSERT INTO image_scans (repo_id, digest, scan_id, status, started_at) VALUES (?, ?, ?, 'IN_PROGRESS', ?)").run(repoId, digest, scanId, now.getTime());
  })();
  return { repoId, digest, scanId, status: "IN_PROGRESS", startedAt: now };
}

export interface ScanResult {
  status: "COMPLETE" | "FAILED";
  description: string;
  completedAt: Date;
  sourceUpdatedAt?: Date;
  findings: Finding[];
  counts?: Partial<Record<FindingSeverity, number>>;
}

/**
 * Stores a scan's result, in one transaction, if the scan is still the image's current one
 * (the image may have been deleted, or scanned anew, while it ran). False when it was not.
 */
export function completeScan(db: Db, scan: ScanRecord, result: ScanResult): boolean {
  return db.transaction(() => {
    const { changes } = db
      .prepare("UPDATE image_scans SET status = ?, description = ?, completed_at = ?, source_updated_at = ?, counts = ? WHERE repo_id = ? AND digest = ? AND scan_id = ?")
      .run(result.status, result.description, result.completedAt.getTime(), result.sourceUpdatedAt?.getTime() ?? null, result.counts ? JSON.stringify(result.counts) : null, scan.repoId, scan.digest, scan.scanId);
    if (changes === 0) return false;
    const insert = db.prepare("INSERT INTO image_scan_findings (repo_id, digest, seq, doc) VALUES (?, ?, ?, ?)");
    result.findings.forEach((f, seq) => insert.run(scan.repoId, scan.digest, seq, JSON.stringify(f)));
    emitImageScan(db, scan.repoId, scan.digest, { status: result.status, counts: result.counts as Record<string, number> | undefined }, result.completedAt);
    return true;
  })();
}

/** A page of a scan's findings, in their stored order. */
export function selectFindings(db: Db, repoId: number, digest: string, offset: number, limit: number): Finding[] {
  const rows = db.prepare("SELECT doc FROM image_scan_findings WHERE repo_id = ? AND digest = ? AND seq >= ? ORDER BY seq LIMIT ?").all(repoId, digest, offset, limit) as Array<{ doc: string }>;
  return rows.map((r) => JSON.parse(r.doc) as Finding);
}
