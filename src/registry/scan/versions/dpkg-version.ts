/**
 * Debian package version ordering, as dpkg compares versions (Debian Policy §5.6.12 and dpkg's
 * lib/dpkg/version.c): `[epoch:]upstream_version[-debian_revision]`.
 *
 * - The epoch is compared numerically (absent means 0).
 * - The upstream version and the revision are each compared with `verrevcmp`: alternately the
 *   longest non-digit prefix, character by character, where `~` sorts before everything (even
 *   the end of the string), the end before letters, letters (by ASCII) before other characters;
 *   then the longest digit prefix, numerically (absent means 0).
 * - An absent revision compares as "" (which equals "0"): 1.0 = 1.0-0 < 1.0-1.
 *
 * Written from the spec rather than taken from a package because npm has no well-kept dpkg
 * comparator; dpkg-version.test.ts checks it against the orderings the Policy gives.
 */
export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Undefined for what dpkg would refuse: empty, whitespace, a non-numeric epoch, an empty part. */
export function parseDpkgVersion(text: string): DpkgVersion | undefined {
  const v = text.trim();
  if (v === "" || /\s/.test(v)) return undefined;
  let epoch = 0;
  let rest = v;
  const colon = v.indexOf(":");
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d{1,9}$/.test(e)) return undefined;
    epoch = Number(e);
    rest = v.slice(colon + 1);
  }
  // The revision is what follows the last hyphen; the upstream version may contain hyphens.
  const dash = rest.lastIndexOf("-");
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : "";
  if (upstream === "" || (dash >= 0 && revision === "")) return undefined;
  if (!/^[A-Za-z0-9.+~:-]+$/.test(upstream) || !/^[A-Za-z0-9.+~]*$/.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

export const isDpkgVersion = (v: string) => parseDpkgVersion(v) !== undefined;

/** Negative, zero or positive as a sorts before, with or after b; unparseable versions sort first. */
export function compareDpkgVersions(a: string, b: string): number {
  const va = parseDpkgVersion(a);
  const vb = parseDpkgVersion(b);
  if (!va || !vb) return (va ? 1 : 0) - (vb ? 1 : 0);
  if (va.epoch !== vb.epoch) return va.epoch - vb.epoch;
  return sign(verrevcmp(va.upstream, vb.upstream)) || sign(verrevcmp(va.revision, vb.revision));
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's order(): the weight of one character of a non-digit run; 0 is the end of the string. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // The non-digit runs, character by character (a run that ended weighs 0).
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    // The digit runs, numerically: skip leading zeros, then the longer run is larger, else
    // the first differing digit decides (no conversion to numbers, so no overflow).
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    let firstDiff = 0;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}
