import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Readable } from "node:stream";
import Database from "better-sqlite3";
import { pino } from "pino";
import { migrate, wipe, type Db } from "../../store/database.js";
import { FsBlobStore } from "../fs-blob-store.js";
import { RegistryStore } from "../registry-store.js";
import { digestOf } from "../digest.js";
import { ImageScans } from "./image-scans.js";
import { buildTar } from "./tar-builder.js";
import { OsvDirectory } from "./osv/osv-directory.js";
import { scanSummaryFor } from "../../ecr/scan-summary.js";

/** test/fixtures/osv, from dist/src/registry/scan. */
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "fixtures", "osv");

const scope = { account: "000000000000", region: "us-east-1" };
const log = pino({ level: "silent" });

async function withScans(fn: (x: { db: Db; store: RegistryStore; scans: (osv?: OsvDirectory) => ImageScans }) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "berth-scans-"));
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db);
  const store = new RegistryStore({ db, blobs: new FsBlobStore(dir), clock: { now: () => new Date() } });
  try {
    await fn({ db, store, scans: (osv) => new ImageScans({ db, store, clock: { now: () => new Date() }, log, osv }) });
    wipe(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Pushes a one-layer image (a plain tar with one file); returns the manifest's bytes. */
async function push(store: RegistryStore, repo: string, tag: string, file = "hello", content = "x"): Promise<{ raw: Buffer; digest: string }> {
  const put = async (b: Buffer) => {
    const d = digestOf(b).value;
    await store.putBlob(scope, repo, d, Readable.from([b]));
    return d;
  };
  const config = Buffer.from('{"os":"linux"}');
  const layer = await buildTar([{ name: file, content }]);
  const raw = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await put(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: await put(layer), size: layer.length }],
  }));
  const { digest } = store.putManifest(scope, repo, { reference: tag, raw });
  return { raw, digest };
}

test("scan on push: a row per new image, in the push's transaction; a rolled-back push leaves none", async () => {
  await withScans(async ({ db, store, scans }) => {
    const s = scans().attach();
    const repo = store.createRepository(scope, "onpush", { imageScanningConfiguration: { scanOnPush: true } });
    const { digest } = await push(store, "onpush", "a");
    assert.equal(s.get(repo, digest)?.status, "IN_PROGRESS");
    await new Promise((r) => setImmediate(r));
    await s.idle();
    // No vulnerability database is configured: the scan fails, saying so.
    const done = s.get(repo, digest)!;
    assert.equal(done.status, "FAILED");
    assert.match(done.description!, /scanDatabaseDir/);

    // A push whose enclosing transaction rolls back (PutImage failing after the put) leaves no scan.
    const layerless = { raw: Buffer.alloc(0), digest: "" };
    assert.throws(() =>
      db.transaction(() => {
        Object.assign(layerless, store.putManifest(scope, "onpush", { reference: "b", raw: Buffer.from(JSON.stringify({
          schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: JSON.parse(store.getManifest(scope, "onpush", "a").raw.toString()).config, layers: [], annotations: { n: "2" },
        })) }));
        throw new Error("rolled back");
      })(),
    );
    assert.ok(layerless.digest);
    assert.equal(s.get(repo, layerless.digest), undefined);

    // Without scanOnPush nothing is scanned.
    const plain = store.createRepository(scope, "plain");
    const p = await push(store, "plain", "a");
    assert.equal(s.get(plain, p.digest), undefined);
    await s.close();
  });
});

test("scans left IN_PROGRESS (a restart) run when the worker resumes; deleting the image drops its scan", async () => {
  await withScans(async ({ store, scans }) => {
    const first = scans();
    const repo = store.createRepository(scope, "resume");
    const { digest } = await push(store, "resume", "a");
    await first.close(); // closed: start() records the scan but nothing runs it
    first.start(repo, digest);
    assert.equal(first.get(repo, digest)?.status, "IN_PROGRESS");
    const second = scans();
    second.resume();
    await second.idle();
    assert.equal(second.get(repo, digest)?.status, "FAILED");
    store.deleteManifest(scope, "resume", digest);
    assert.equal(second.get(repo, digest), undefined);
    await second.close();
  });
});

test("scanSummaryFor: nothing before a scan, the status while it runs or failed, the summary once complete", async () => {
  await withScans(async ({ store, scans }) => {
    const s = scans(new OsvDirectory(FIXTURE));
    const repo = store.createRepository(scope, "summary");
    const { digest } = await push(store, "summary", "a", "app/package-lock.json", JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/lodash": { version: "4.17.20" } } }));
    assert.deepEqual(scanSummaryFor(s, repo, digest), {});
    s.start(repo, digest);
    assert.deepEqual(scanSummaryFor(s, repo, digest), { imageScanStatus: { status: "IN_PROGRESS" } });
    await s.idle();
    const summary = scanSummaryFor(s, repo, digest);
    assert.deepEqual(summary.imageScanStatus, { status: "COMPLETE", description: "The scan was completed successfully." });
    assert.deepEqual(summary.imageScanFindingsSummary?.findingSeverityCounts, { HIGH: 1 });
    assert.deepEqual(summary.imageScanFindingsSummary?.vulnerabilitySourceUpdatedAt, new Date("2024-04-02T00:00:00Z"));
    assert.ok(summary.imageScanFindingsSummary?.imageScanCompletedAt instanceof Date);
    await s.close();
  });
});
