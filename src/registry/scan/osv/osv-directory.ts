import { readdir, readFile, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "../../../core/logger.js";
import { toVulnerability, type OsvVulnerability } from "./osv-record.js";
import { OsvDatabase } from "./osv-database.js";

/** A record file larger than this is skipped (OSV files hold one record, or one ecosystem's dump). */
export const MAX_OSV_FILE_BYTES = 256 * 1024 * 1024;

interface FileInfo {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * The OSV records under a directory the user points Berth at (scanDatabaseDir): every *.json
 * file below it, holding one record or an array of records, as OSV's per-ecosystem exports
 * unpack. The directory is re-read when a file in it is added, removed or changed, so a
 * database refreshed while Berth runs is used by the next scan without a restart.
 */
export class OsvDirectory {
  private cached: { fingerprint: string; db: OsvDatabase } | undefined;
  private loading: Promise<OsvDatabase> | undefined;

  constructor(readonly dir: string, private readonly log?: Logger) {}

  /** The database as the directory holds it now (loaded once per change of its files). */
  async current(): Promise<OsvDatabase> {
    // One load at a time; concurrent scans share it.
    this.loading ??= this.refresh().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async refresh(): Promise<OsvDatabase> {
    const files = await listJsonFiles(this.dir);
    const fingerprint = createHash("sha256").update(files.map((f) => `${f.path}\u0000${f.size}\u0000${f.mtimeMs}`).join("\n")).digest("hex");
    if (this.cached?.fingerprint === fingerprint) return this.cached.db;
    const started = Date.now();
    const records: OsvVulnerability[] = [];
    let skipped = 0;
    for (const f of files) {
      if (f.size > MAX_OSV_FILE_BYTES) {
        skipped++;
        this.log?.warn({ file: f.path, size: f.size }, "OSV file too large; skipped");
        continue;
      }
      try {
        const doc: unknown = JSON.parse(await readFile(f.path, "utf8"));
        for (const raw of Array.isArray(doc) ? doc : [doc]) {
          const v = toVulnerability(raw);
          if (v) records.push(v);
        }
      } catch (err) {
        skipped++;
        this.log?.warn({ file: f.path, err: (err as Error).message }, "OSV file unreadable; skipped");
      }
    }
    const newestFile = files.reduce((m, f) => Math.max(m, f.mtimeMs), 0);
    const db = new OsvDatabase(records, newestFile ? new Date(newestFile) : undefined);
    this.cached = { fingerprint, db };
    this.log?.info({ dir: this.dir, files: files.length, records: db.size, skipped, ms: Date.now() - started }, "vulnerability database loaded");
    return db;
  }
}

/** Every *.json file below `dir`, in a stable order. */
async function listJsonFiles(dir: string): Promise<FileInfo[]> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.toLowerCase().endsWith(".json")).sort();
  const out: FileInfo[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (s?.isFile()) out.push({ path, size: s.size, mtimeMs: s.mtimeMs });
  }
  return out;
}
