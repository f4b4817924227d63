/**
 * CVSS base scores from vectors, for records that give a vector but no score (OSV's `severity`
 * holds vectors only). Formulas from the CVSS v3.1 and v2 specifications (FIRST); v3.0 vectors
 * use the v3.1 formula, whose only difference is the rounding of a few edge cases.
 */
type Metrics = Record<string, string>;

function metricsOf(vector: string): Metrics {
  const out: Metrics = {};
  for (const part of vector.replace(/^\(|\)$/g, "").split("/")) {
    const [k, v] = part.split(":");
    if (k && v) out[k] = v;
  }
  return out;
}

const V3 = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
  PR: { U: { N: 0.85, L: 0.62, H: 0.27 }, C: { N: 0.85, L: 0.68, H: 0.5 } },
} as const;

const pick = <T extends Record<string, number>>(table: T, key: string | undefined): number | undefined =>
  key !== undefined && Object.hasOwn(table, key) ? table[key as keyof T] : undefined;

/** CVSS v3.1's Roundup: the smallest number with one decimal at or above x (float-safe). */
function roundUp(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

/** Base score of a "CVSS:3.x/AV:N/AC:L/..." vector, or undefined when it is not one. */
export function cvss3BaseScore(vector: string): number | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector)) return undefined;
  const m = metricsOf(vector);
  const scope = m.S;
  if (scope !== "U" && scope !== "C") return undefined;
  const av = pick(V3.AV, m.AV), ac = pick(V3.AC, m.AC), ui = pick(V3.UI, m.UI), pr = pick(V3.PR[scope], m.PR);
  const c = pick(V3.CIA, m.C), i = pick(V3.CIA, m.I), a = pick(V3.CIA, m.A);
  if ([av, ac, ui, pr, c, i, a].some((x) => x === undefined)) return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = scope === "U" ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av! * ac! * pr! * ui!;
  if (impact <= 0) return 0;
  return roundUp(Math.min(scope === "U" ? impact + exploitability : 1.08 * (impact + exploitability), 10));
}

const V2 = {
  AV: { L: 0.395, A: 0.646, N: 1.0 },
  AC: { H: 0.35, M: 0.61, L: 0.71 },
  Au: { M: 0.45, S: 0.56, N: 0.704 },
  CIA: { N: 0, P: 0.275, C: 0.66 },
} as const;

/** Base score of a CVSS v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P"), or undefined. */
export function cvss2BaseScore(vector: string): number | undefined {
  const m = metricsOf(vector);
  const av = pick(V2.AV, m.AV), ac = pick(V2.AC, m.AC), au = pick(V2.Au, m.Au);
  const c = pick(V2.CIA, m.C), i = pick(V2.CIA, m.I), a = pick(V2.CIA, m.A);
  if ([av, ac, au, c, i, a].some((x) => x === undefined)) return undefined;
  const impact = 10.41 * (1 - (1 - c!) * (1 - i!) * (1 - a!));
  const exploitability = 20 * av! * ac! * au!;
  const f = impact === 0 ? 0 : 1.176;
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}
