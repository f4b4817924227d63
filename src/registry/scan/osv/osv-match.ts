import { SCHEMES, semverScheme, type VersionScheme } from "../versions/ecosystems.js";
import type { OsvAffected, OsvEvent } from "./osv-record.js";

/**
 * Whether an affected entry covers `version` of its package, as the OSV schema defines it: the
 * version is listed in `versions`, or falls in one of the ranges. ECOSYSTEM ranges use the
 * ecosystem's ordering (dpkg, apk, SemVer for npm, PEP 440 for PyPI), SEMVER ranges SemVer.
 */
export function affects(affected: OsvAffected, version: string): boolean {
  if (affected.versions.includes(version)) return true;
  const ecosystemScheme = SCHEMES[affected.ecosystem];
  return affected.ranges.some((r) => {
    const scheme = r.type === "SEMVER" ? semverScheme : ecosystemScheme;
    return scheme.valid(version) && inRange(r.events, version, scheme);
  });
}

const versionOf = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected!;

/**
 * The schema's evaluation: sort the events by version ("introduced: 0" first), then walk them
 * in order; an `introduced` at or below the version turns "affected" on, a `fixed` at or below
 * it (or a `last_affected` strictly below it) turns it off. Events whose version the scheme
 * cannot read are left out (they cannot be placed in the order).
 */
export function inRange(events: OsvEvent[], version: string, scheme: VersionScheme): boolean {
  const isZero = (e: OsvEvent) => e.introduced === "0";
  const usable = events.filter((e) => isZero(e) || scheme.valid(versionOf(e)));
  const sorted = usable
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      if (isZero(a.e) || isZero(b.e)) return (isZero(a.e) ? 0 : 1) - (isZero(b.e) ? 0 : 1) || a.i - b.i;
      return scheme.compare(versionOf(a.e), versionOf(b.e)) || a.i - b.i;
    })
    .map((x) => x.e);
  let affected = false;
  for (const e of sorted) {
    if (e.introduced !== undefined) {
      if (isZero(e) || scheme.compare(version, e.introduced) >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if (scheme.compare(version, e.fixed) >= 0) affected = false;
    } else if (e.last_affected !== undefined) {
      if (scheme.compare(version, e.last_affected) > 0) affected = false;
    }
  }
  return affected;
}

/**
 * Whether an entry's ecosystem suffix fits the image's release: "Debian:12" fits Debian 12 only,
 * "Alpine:v3.19" Alpine 3.19.x, "Ubuntu:22.04:LTS" Ubuntu 22.04; an entry without a suffix (npm,
 * PyPI, or a distribution-wide record) fits every release.
 */
export function fitsRelease(affected: OsvAffected, release: string | undefined): boolean {
  if (affected.release.length === 0) return true;
  return release !== undefined && affected.release.includes(release);
}
