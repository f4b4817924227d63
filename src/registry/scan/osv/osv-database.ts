import { normalizePackageName, type Ecosystem } from "../versions/ecosystems.js";
import type { OsvAffected, OsvVulnerability } from "./osv-record.js";

/** One affected entry with the record it belongs to. */
export interface OsvEntry {
  vulnerability: OsvVulnerability;
  affected: OsvAffected;
}

/**
 * Vulnerability records indexed by ecosystem and package name, so that a scan looks up each of
 * an image's packages once instead of walking every record.
 */
export class OsvDatabase {
  private readonly index = new Map<string, OsvEntry[]>();
  /** The newest `modified` of the records (ECR's vulnerabilitySourceUpdatedAt). */
  readonly updatedAt: Date | undefined;
  readonly size: number;

  constructor(vulnerabilities: Iterable<OsvVulnerability>, fallbackUpdatedAt?: Date) {
    let newest: number | undefined;
    let size = 0;
    for (const vulnerability of vulnerabilities) {
      size++;
      const t = vulnerability.modified?.getTime();
      if (t !== undefined && (newest === undefined || t > newest)) newest = t;
      for (const affected of vulnerability.affected) {
        const key = keyOf(affected.ecosystem, affected.name);
        const list = this.index.get(key);
        if (list) list.push({ vulnerability, affected });
        else this.index.set(key, [{ vulnerability, affected }]);
      }
    }
    this.size = size;
    this.updatedAt = newest !== undefined ? new Date(newest) : fallbackUpdatedAt;
  }

  /** The entries naming this package, in any release of the ecosystem. */
  lookup(ecosystem: Ecosystem, name: string): readonly OsvEntry[] {
    return this.index.get(keyOf(ecosystem, normalizePackageName(ecosystem, name))) ?? [];
  }
}

const keyOf = (ecosystem: Ecosystem, name: string) => `${ecosystem}\u0000${name}`;
