import semver from "semver";
import { compare as comparePep440, valid as validPep440 } from "@renovatebot/pep440";
import { compareDpkgVersions, isDpkgVersion } from "./dpkg-version.js";
import { compareApkVersions, isApkVersion } from "./apk-version.js";

/** How one ecosystem spells and orders versions. */
export interface VersionScheme {
  valid(v: string): boolean;
  /** Negative, zero or positive; only called with versions `valid` accepts. */
  compare(a: string, b: string): number;
}

/** The ecosystems the scanner reads packages of, named as OSV names them. */
export type Ecosystem = "Debian" | "Ubuntu" | "Alpine" | "npm" | "PyPI";

const dpkg: VersionScheme = { valid: isDpkgVersion, compare: compareDpkgVersions };
const apk: VersionScheme = { valid: isApkVersion, compare: compareApkVersions };

/** SemVer 2.0 as npm reads it (loose: a leading "v" or "=" is tolerated, as npm does). */
export const semverScheme: VersionScheme = {
  valid: (v) => semver.valid(v, { loose: true }) !== null,
  compare: (a, b) => semver.compare(a, b, { loose: true }),
};

/** PEP 440, as pip orders versions. */
const pep440: VersionScheme = {
  valid: (v) => validPep440(v) !== null,
  compare: (a, b) => comparePep440(a, b),
};

export const SCHEMES: Record<Ecosystem, VersionScheme> = {
  Debian: dpkg,
  Ubuntu: dpkg,
  Alpine: apk,
  npm: semverScheme,
  PyPI: pep440,
};

export const isEcosystem = (s: string): s is Ecosystem => Object.hasOwn(SCHEMES, s);

/**
 * A package name as OSV indexes it: PyPI names are normalized as PEP 503 says (case and runs of
 * `-`, `_`, `.` do not matter); other ecosystems compare names exactly.
 */
export function normalizePackageName(ecosystem: Ecosystem, name: string): string {
  return ecosystem === "PyPI" ? name.toLowerCase().replace(/[-_.]+/g, "-") : name;
}
