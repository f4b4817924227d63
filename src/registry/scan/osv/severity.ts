import type { OsvAffected, OsvSeverity, OsvVulnerability } from "./osv-record.js";
import { cvss2BaseScore, cvss3BaseScore } from "./cvss.js";

/** ECR's FindingSeverity values, highest first. */
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"] as const;
export type FindingSeverity = (typeof SEVERITIES)[number];

/** Words databases use (GitHub, Ubuntu priorities, Debian urgencies, Alpine) as ECR's levels. */
const WORDS: Record<string, FindingSeverity> = {
  critical: "CRITICAL",
  high: "HIGH",
  important: "HIGH",
  moderate: "MEDIUM",
  medium: "MEDIUM",
  low: "LOW",
  negligible: "INFORMATIONAL",
  unimportant: "INFORMATIONAL",
  informational: "INFORMATIONAL",
  none: "INFORMATIONAL",
};

const fromWord = (w: string | undefined): FindingSeverity | undefined =>
  w === undefined ? undefined : WORDS[w.trim().toLowerCase()];

/** CVSS v3 qualitative ratings (v3.1 spec, table 14); a 0.0 score is "None". */
function fromCvss3(score: number): FindingSeverity {
  if (score >= 9) return "CRITICAL";
  if (score >= 7) return "HIGH";
  if (score >= 4) return "MEDIUM";
  if (score > 0) return "LOW";
  return "INFORMATIONAL";
}

/** CVSS v2 has three ratings (NVD): Low < 4, Medium < 7, High. */
const fromCvss2 = (score: number): FindingSeverity => (score >= 7 ? "HIGH" : score >= 4 ? "MEDIUM" : "LOW");

export interface Scores {
  cvss3?: { vector: string; score: number };
  cvss2?: { vector: string; score: number };
}

/** The CVSS vectors an entry or record gives, with their base scores (the affected entry's first). */
export function scoresOf(...lists: OsvSeverity[][]): Scores {
  const out: Scores = {};
  for (const s of lists.flat()) {
    if (s.type === "CVSS_V3" && !out.cvss3) {
      const score = cvss3BaseScore(s.score);
      if (score !== undefined) out.cvss3 = { vector: s.score, score };
    } else if (s.type === "CVSS_V2" && !out.cvss2) {
      const score = cvss2BaseScore(s.score);
      if (score !== undefined) out.cvss2 = { vector: s.score, score };
    }
  }
  return out;
}

/**
 * The severity ECR would show: the database's own word when it gives one (the affected entry's,
 * then the record's database_specific.severity, then a textual `severity` entry such as Ubuntu's
 * priority), else the rating of the CVSS v3 score, else of the v2 score, else UNDEFINED.
 */
export function severityOf(vulnerability: OsvVulnerability, affected: OsvAffected, scores: Scores): FindingSeverity {
  const textual = [...affected.severity, ...vulnerability.severity].find((s) => !s.type.startsWith("CVSS_"))?.score;
  const word = fromWord(affected.severityText) ?? fromWord(vulnerability.severityText) ?? fromWord(textual);
  if (word) return word;
  if (scores.cvss3) return fromCvss3(scores.cvss3.score);
  if (scores.cvss2) return fromCvss2(scores.cvss2.score);
  return "UNDEFINED";
}
