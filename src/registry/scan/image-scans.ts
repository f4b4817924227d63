import { randomUUID } from "node:crypto";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { ManifestPutEvent, RegistryStore, RepositoryRecord } from "../registry-store.js";
import { findRepositoryById } from "../repositories.js";
import { selectManifest } from "../manifest-records.js";
import { findVulnerabilities, severityCounts, type Finding } from "./findings.js";
import { ScanAbortedError, ScanLimitError, type ScanLimits } from "./limits.js";
import type { OsvDirectory } from "./osv/osv-directory.js";
import { completeScan, insertScan, nextPendingScan, selectFindings, selectScan, type ScanRecord, type ScanResult } from "./scan-records.js";
import { scanKind } from "./scannable.js";
import { readInventory, UnreadableLayerError } from "./scanner.js";

export type { ScanRecord };

/** ImageScanStatus.description of a completed scan, in ECR's words. */
export const SCAN_COMPLETE = "The scan was completed successfully.";

export interface ImageScansOptions {
  db: Db;
  store: RegistryStore;
  clock: Clock;
  log: Logger;
  /** The vulnerability records; without them a scan fails with a description saying so. */
  osv?: OsvDirectory;
  limits?: ScanLimits;
  /** Whether a push to the repository is scanned (ECR's registry scanning rules); default: the repository's scanOnPush. */
  scanOnPush?: (repo: RepositoryRecord) => boolean;
}

/**
 * ECR basic scanning: scans are rows in image_scans, started IN_PROGRESS by StartImageScan or
 * by a push to a repository with scanOnPush, and run one at a time in the background by a
 * worker that reads the pending rows (so scans interrupted by a restart resume at start-up).
 * A scan reads the image's package inventory from its layers and matches it against the OSV
 * records of `osv`, then stores findings and counts in one transaction.
 */
export class ImageScans {
  private readonly db: Db;
  private readonly store: RegistryStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly osv?: OsvDirectory;
  private readonly limits?: ScanLimits;
  private worker: Promise<void> | undefined;
  private wanted = false;
  private closed = false;
  /** Scans that could not even be marked FAILED (a database error); not retried in this process. */
  private readonly stuck = new Set<string>();

  private readonly scanOnPush: (repo: RepositoryRecord) => boolean;

  constructor({ db, store, clock, log, osv, limits, scanOnPush = (repo) => repo.settings.imageScanningConfiguration?.scanOnPush === true }: ImageScansOptions) {
    this.scanOnPush = scanOnPush;
    this.db = db;
    this.store = store;
    this.clock = clock;
    this.log = log;
    this.osv = osv;
    this.limits = limits;
  }

  /** Scan on push: every manifest pushed to a repository with scanOnPush gets a scan. */
  attach(): this {
    this.store.onManifestPut((e) => this.onPush(e));
    return this;
  }

  /** Starts (or restarts) the scan of an image; the caller has checked it is scannable. */
  start(repo: RepositoryRecord, digest: string): ScanRecord {
    const scan = insertScan(this.db, repo.id, digest, randomUUID(), this.clock.now());
    this.kick();
    return scan;
  }

  /** The image's latest scan, if it was ever scanned. */
  get(repo: RepositoryRecord, digest: string): ScanRecord | undefined {
    return selectScan(this.db, repo.id, digest);
  }

  /** A page of a completed scan's findings (ordered by severity, highest first). */
  findings(repo: RepositoryRecord, digest: string, offset: number, limit: number): Finding[] {
    return selectFindings(this.db, repo.id, digest, offset, limit);
  }

  /** Runs the scans left IN_PROGRESS (by a restart, or pushes before the worker started). */
  resume(): void {
    this.kick();
  }

  /** Stops taking scans and stops the one running (it stays IN_PROGRESS, to run after a restart). */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker;
  }

  /** Resolves once no scan is pending or running (for tests). */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  private onPush({ repository, result }: ManifestPutEvent): void {
    // The same bytes pushed again (another tag) are the same image, already scanned or not.
    if (!this.scanOnPush(repository) || !result.created) return;
    const m = selectManifest(this.db, repository.id, result.digest);
    if (!m || scanKind(m) !== "image") return;
    insertScan(this.db, repository.id, result.digest, randomUUID(), this.clock.now());
    // The push's transaction is still open: start once it has committed.
    setImmediate(() => this.kick());
  }

  private kick(): void {
    this.wanted = true;
    if (this.worker || this.closed) return;
    this.worker = this.drain().finally(() => (this.worker = undefined));
  }

  private async drain(): Promise<void> {
    while (this.wanted && !this.closed) {
      this.wanted = false;
      for (let scan = nextPendingScan(this.db, this.stuck); scan && !this.closed; scan = nextPendingScan(this.db, this.stuck)) {
        await this.run(scan);
      }
    }
  }

  private async run(scan: ScanRecord): Promise<void> {
    const started = Date.now();
    let result: ScanResult;
    try {
      result = await this.scan(scan);
    } catch (err) {
      if (err instanceof ScanAbortedError) return;
      this.log.error({ err, digest: scan.digest }, "image scan failed unexpectedly");
      result = this.failed("ScanError: the scan stopped on an internal error.");
    }
    try {
      const stored = completeScan(this.db, scan, result);
      this.log.info(
        { repoId: scan.repoId, digest: scan.digest, status: result.status, findings: result.findings.length, ms: Date.now() - started, stored },
        "image scan finished",
      );
    } catch (err) {
      this.stuck.add(scan.scanId);
      this.log.error({ err, digest: scan.digest }, "could not store an image scan's result");
    }
  }

  private async scan(scan: ScanRecord): Promise<ScanResult> {
    const repo = findRepositoryById(this.db, scan.repoId);
    const manifest = repo && selectManifest(this.db, repo.id, scan.digest);
    if (!repo || !manifest) return this.failed("ImageNotFound: the image was deleted while it was being scanned.");
    if (!this.osv) {
      return this.failed("VulnerabilityDatabaseUnavailable: Berth has no vulnerability database; set scanDatabaseDir to a directory of OSV records.");
    }
    let db;
    try {
      db = await this.osv.current();
    } catch (err) {
      return this.failed(`VulnerabilityDatabaseUnavailable: scanDatabaseDir cannot be read (${(err as Error).message}).`);
    }
    let inventory;
    try {
      inventory = await readInventory({ manifest: manifest.raw, openBlob: (d) => this.store.openBlob(d), limits: this.limits, stopped: () => this.closed });
    } catch (err) {
      if (err instanceof ScanLimitError || err instanceof UnreadableLayerError) {
        return this.failed(`UnsupportedImageError: ${err.message.replace(/\.$/, "")}.`);
      }
      throw err;
    }
    const findings = findVulnerabilities(inventory, db);
    return {
      status: "COMPLETE",
      description: SCAN_COMPLETE,
      completedAt: this.clock.now(),
      sourceUpdatedAt: db.updatedAt,
      findings,
      counts: severityCounts(findings),
    };
  }

  private failed(description: string): ScanResult {
    return { status: "FAILED", description, completedAt: this.clock.now(), findings: [] };
  }
}
