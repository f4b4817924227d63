import type { Inventory, Package } from "./inventory/inventory.js";
import type { OsvDatabase, OsvEntry } from "./osv/osv-database.js";
import { affects, fitsRelease } from "./osv/osv-match.js";
import { scoresOf, severityOf, SEVERITIES, type FindingSeverity } from "./osv/severity.js";
import type { OsvVulnerability } from "./osv/osv-record.js";

/** A finding in ECR's ImageScanFinding shape. */
export interface Finding {
  name: string;
  description?: string;
  uri?: string;
  severity: FindingSeverity;
  attributes: Array<{ key: string; value: string }>;
}

/** ECR's attribute values are 1 to 256 characters. */
const attr = (key: string, value: string | undefined) => (value ? [{ key, value: value.slice(0, 256) }] : []);

/**
 * Every (vulnerability, package) pair where a record's affected entry names the package (by its
 * own name, or the source package it was built from) in the image's release and covers its
 * version. Several records for one vulnerability (a GHSA and its CVE, a DSA and a DLA) give one
 * finding per package, with the highest severity among them. Ordered by severity, then name.
 */
export function findVulnerabilities(inventory: Inventory, db: OsvDatabase): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const pkg of inventory.packages) {
    for (const { entry, version } of candidates(pkg, db)) {
      const release = inventory.distro?.ecosystem === pkg.ecosystem ? inventory.distro.release : undefined;
      if (!fitsRelease(entry.affected, release) || !affects(entry.affected, version)) continue;
      const finding = toFinding(entry, pkg);
      const key = `${finding.name}\u0000${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}`;
      const known = byKey.get(key);
      if (!known || rank(finding.severity) < rank(known.severity)) byKey.set(key, finding);
    }
  }
  return [...byKey.values()].sort((a, b) => rank(a.severity) - rank(b.severity) || cmp(a.name, b.name) || cmp(packageOf(a), packageOf(b)));
}

/** Severity counts as ECR's findingSeverityCounts has them (only levels that occur). */
export function severityCounts(findings: Finding[]): Partial<Record<FindingSeverity, number>> {
  const counts: Partial<Record<FindingSeverity, number>> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

/** The entries to try for a package: under its own name, and under its source package's. */
function* candidates(pkg: Package, db: OsvDatabase): Generator<{ entry: OsvEntry; version: string }> {
  for (const entry of db.lookup(pkg.ecosystem, pkg.name)) yield { entry, version: pkg.version };
  if (pkg.source && pkg.source.name !== pkg.name) {
    for (const entry of db.lookup(pkg.ecosystem, pkg.source.name)) yield { entry, version: pkg.source.version };
  }
}

function toFinding({ vulnerability: v, affected }: OsvEntry, pkg: Package): Finding {
  const scores = scoresOf(affected.severity, v.severity);
  return {
    name: nameOf(v),
    description: v.details ?? v.summary,
    uri: uriOf(v),
    severity: severityOf(v, affected, scores),
    attributes: [
      ...attr("package_version", pkg.version),
      ...attr("package_name", pkg.name),
      ...attr("CVSS2_VECTOR", scores.cvss2?.vector),
      ...attr("CVSS2_SCORE", scores.cvss2 && String(scores.cvss2.score)),
      ...attr("CVSS3_VECTOR", scores.cvss3?.vector),
      ...attr("CVSS3_SCORE", scores.cvss3 && String(scores.cvss3.score)),
    ],
  };
}

/** ECR names findings by CVE: the record's id when it is one, else its first CVE alias. */
function nameOf(v: OsvVulnerability): string {
  if (v.id.startsWith("CVE-")) return v.id;
  return v.aliases.find((a) => a.startsWith("CVE-")) ?? v.id;
}

/** The advisory page the record points at, else its first reference, else its osv.dev page. */
function uriOf(v: OsvVulnerability): string {
  const advisory = v.references.find((r) => r.type === "ADVISORY") ?? v.references[0];
  return advisory?.url ?? `https://osv.dev/vulnerability/${encodeURIComponent(v.id)}`;
}

const rank = (s: FindingSeverity) => SEVERITIES.indexOf(s);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const packageOf = (f: Finding) => f.attributes.find((a) => a.key === "package_name")?.value ?? "";
