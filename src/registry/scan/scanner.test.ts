import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { readInventory } from "./scanner.js";
import { buildTar, type TarEntry } from "./tar-builder.js";
import { findVulnerabilities, severityCounts } from "./findings.js";
import { OsvDatabase } from "./osv/osv-database.js";
import { toVulnerability, type OsvVulnerability } from "./osv/osv-record.js";

const digest = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** An OCI image manifest over layers, with a blob lookup as the registry would serve it. */
async function image(layers: TarEntry[][], mediaType = "application/vnd.oci.image.layer.v1.tar+gzip") {
  const blobs = new Map<string, Buffer>();
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  blobs.set(digest(config), config);
  const descriptors = [];
  for (const entries of layers) {
    const tar = await buildTar(entries, { gzip: mediaType.endsWith("gzip") });
    blobs.set(digest(tar), tar);
    descriptors.push({ mediaType, digest: digest(tar), size: tar.length });
  }
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digest(config), size: config.length },
    layers: descriptors,
  }));
  return { manifest, openBlob: async (d: string) => Readable.from([blobs.get(d)!]) };
}

const DPKG = [
  "Package: libssl3", "Status: install ok installed", "Version: 3.0.11-1~deb12u2", "Source: openssl", "",
  "Package: zlib1g", "Status: install ok installed", "Version: 1:1.2.13.dfsg-1", "Source: zlib", "",
].join("\n");

const vulns = (records: unknown[]) => new OsvDatabase(records.map(toVulnerability).filter((v): v is OsvVulnerability => v !== undefined));

test("inventory: OS packages with the release from os-release, language packages anywhere, whiteouts applied", async () => {
  const img = await image([
    [{ name: "etc/os-release", content: 'ID=debian\nVERSION_ID="12"\n' }, { name: "var/lib/dpkg/status", content: DPKG }],
    [{ name: "app/package-lock.json", content: JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/lodash": { version: "4.17.20" } } }) },
     { name: "old/requirements.txt", content: "requests==2.25.0\n" }],
    [{ name: ".wh.old", content: "" }, { name: "srv/requirements.txt", content: "Django==3.2.0\n" }],
  ]);
  const inv = await readInventory(img);
  assert.deepEqual(inv.distro, { ecosystem: "Debian", release: "12" });
  assert.deepEqual(inv.packages.map((p) => `${p.ecosystem}/${p.name}@${p.version}`).sort(), [
    "Debian/libssl3@3.0.11-1~deb12u2", "Debian/zlib1g@1:1.2.13.dfsg-1", "PyPI/Django@3.2.0", "npm/lodash@4.17.20",
  ]);
});

test("inventory: plain tar layers, Docker media types, and an image with nothing to read", async () => {
  const plain = await image([[{ name: "hello.txt", content: "hi" }]], "application/vnd.docker.image.rootfs.diff.tar");
  assert.deepEqual(await readInventory(plain), { distro: undefined, packages: [] });
  const notTar = await image([[{ name: "x", content: "y" }]], "application/vnd.example.chart.layer.v1");
  await assert.rejects(readInventory(notTar), /not a tar archive/);
});

test("findings: source packages, releases, severities from words and CVSS, CVE names, dedupe, counts", async () => {
  const img = await image([
    [{ name: "etc/os-release", content: 'ID=debian\nVERSION_ID="12"\n' }, { name: "var/lib/dpkg/status", content: DPKG },
     { name: "app/package-lock.json", content: JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/lodash": { version: "4.17.20" } } }) }],
  ]);
  const db = vulns([
    // Names the source package, in the image's release.
    { id: "DSA-1", aliases: ["CVE-2023-5678"], modified: "2024-02-01T00:00:00Z", details: "openssl bug",
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N" }],
      affected: [{ package: { ecosystem: "Debian:12", name: "openssl" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.13-1~deb12u1" }] }] }] },
    // Another release: not this image's.
    { id: "DSA-2", aliases: ["CVE-2099-1"], affected: [{ package: { ecosystem: "Debian:11", name: "openssl" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] }] },
    // Fixed already.
    { id: "CVE-2022-37434", affected: [{ package: { ecosystem: "Debian:12", name: "zlib" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:1.2.13.dfsg-1" }] }] }] },
    // A GHSA and the CVE record of the same vulnerability: one finding, the higher severity.
    { id: "GHSA-35jh-r3h4-6jhm", aliases: ["CVE-2021-23337"], database_specific: { severity: "HIGH" }, references: [{ type: "WEB", url: "https://example.test/w" }, { type: "ADVISORY", url: "https://example.test/a" }],
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H" }],
      affected: [{ package: { ecosystem: "npm", name: "lodash" }, ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "4.17.21" }] }] }] },
    { id: "CVE-2021-23337", database_specific: { severity: "MODERATE" },
      affected: [{ package: { ecosystem: "npm", name: "lodash" }, versions: ["4.17.20"] }] },
  ]);
  const findings = findVulnerabilities(await readInventory(img), db);
  assert.deepEqual(findings.map((f) => [f.name, f.severity]), [["CVE-2021-23337", "HIGH"], ["CVE-2023-5678", "LOW"]]);
  const lodash = findings[0]!;
  assert.equal(lodash.uri, "https://example.test/a");
  assert.deepEqual(lodash.attributes, [
    { key: "package_version", value: "4.17.20" }, { key: "package_name", value: "lodash" },
    { key: "CVSS3_VECTOR", value: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H" }, { key: "CVSS3_SCORE", value: "7.2" },
  ]);
  assert.equal(findings[1]!.description, "openssl bug");
  assert.equal(findings[1]!.uri, "https://osv.dev/vulnerability/DSA-1");
  assert.deepEqual(severityCounts(findings), { HIGH: 1, LOW: 1 });
  assert.deepEqual(db.updatedAt, new Date("2024-02-01T00:00:00Z"));
});
