import { isEcosystem, normalizePackageName, type Ecosystem } from "../versions/ecosystems.js";

/**
 * OSV records (https://ossf.github.io/osv-schema/) as the scanner keeps them: only what matching
 * and findings need, checked member by member, since the files come from wherever the user got
 * them. Whatever is malformed is dropped rather than trusted.
 */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
}

export interface OsvRange {
  /** GIT ranges name commits, which an image's packages do not carry; they are dropped. */
  type: "ECOSYSTEM" | "SEMVER";
  events: OsvEvent[];
}

/** A severity entry: `type` CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu, ...; `score` a vector or a word. */
export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvAffected {
  ecosystem: Ecosystem;
  /** The ecosystem's suffix split at ':' ("Debian:12" -> ["12"], "Ubuntu:22.04:LTS" -> ["22.04", "LTS"]). */
  release: string[];
  /** Normalized as the ecosystem compares names. */
  name: string;
  ranges: OsvRange[];
  versions: string[];
  severity: OsvSeverity[];
  /** A textual severity from ecosystem_specific or database_specific (e.g. Ubuntu priorities). */
  severityText?: string;
}

export interface OsvVulnerability {
  id: string;
  aliases: string[];
  summary?: string;
  details?: string;
  modified?: Date;
  references: Array<{ type?: string; url: string }>;
  severity: OsvSeverity[];
  /** database_specific.severity (GitHub advisories: LOW, MODERATE, HIGH, CRITICAL). */
  severityText?: string;
  affected: OsvAffected[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x !== "") : []);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Undefined for anything that is not a usable, non-withdrawn record affecting a known ecosystem. */
export function toVulnerability(raw: unknown): OsvVulnerability | undefined {
  if (!isObject(raw)) return undefined;
  const id = str(raw.id);
  if (!id || raw.withdrawn !== undefined) return undefined;
  const affected = objects(raw.affected).map(toAffected).filter((a): a is OsvAffected => a !== undefined);
  if (affected.length === 0) return undefined;
  const modified = str(raw.modified) ? new Date(raw.modified as string) : undefined;
  return {
    id,
    aliases: strings(raw.aliases),
    summary: str(raw.summary),
    details: str(raw.details),
    modified: modified && !Number.isNaN(modified.getTime()) ? modified : undefined,
    references: objects(raw.references).flatMap((r) => (str(r.url) ? [{ type: str(r.type), url: r.url as string }] : [])),
    severity: severities(raw.severity),
    severityText: isObject(raw.database_specific) ? str(raw.database_specific.severity) : undefined,
    affected,
  };
}

function toAffected(raw: Json): OsvAffected | undefined {
  const pkg = isObject(raw.package) ? raw.package : undefined;
  const full = str(pkg?.ecosystem);
  const name = str(pkg?.name);
  if (!full || !name) return undefined;
  const [base, ...release] = full.split(":");
  if (!isEcosystem(base!)) return undefined;
  const ranges = objects(raw.ranges).flatMap((r): OsvRange[] => {
    if (r.type !== "ECOSYSTEM" && r.type !== "SEMVER") return [];
    const events = objects(r.events).map((e) => ({ introduced: str(e.introduced), fixed: str(e.fixed), last_affected: str(e.last_affected) }));
    return [{ type: r.type, events: events.filter((e) => e.introduced ?? e.fixed ?? e.last_affected) }];
  });
  const versions = strings(raw.versions);
  if (ranges.length === 0 && versions.length === 0) return undefined;
  const specific = [raw.ecosystem_specific, raw.database_specific].find((s) => isObject(s) && str(s.severity)) as Json | undefined;
  return {
    ecosystem: base,
    release: release.filter(Boolean),
    name: normalizePackageName(base, name),
    ranges,
    versions,
    severity: severities(raw.severity),
    severityText: specific ? str(specific.severity) : undefined,
  };
}

function severities(v: unknown): OsvSeverity[] {
  return objects(v).flatMap((s) => (str(s.type) && str(s.score) ? [{ type: s.type as string, score: s.score as string }] : []));
}
