import type { Ecosystem } from "../versions/ecosystems.js";
import type { Distro, FileFacts } from "./package.js";

/** A package ready for matching: its OSV ecosystem is known. */
export interface Package {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  source?: { name: string; version: string };
  path: string;
}

export interface Inventory {
  distro?: Distro;
  packages: Package[];
}

/**
 * The image's packages, from the facts of the files its final filesystem holds. dpkg packages
 * belong to the distribution os-release names (Debian unless it says Ubuntu), apk packages to
 * Alpine; a package found in several files (a lock file and node_modules) counts once.
 */
export function buildInventory(files: ReadonlyMap<string, FileFacts>): Inventory {
  // /etc/os-release takes precedence; it is usually a symlink to /usr/lib/os-release, which the
  // scanner does not follow, so then the latter is read.
  const distro = files.get("etc/os-release")?.distro ?? files.get("usr/lib/os-release")?.distro;
  const packages: Package[] = [];
  const seen = new Set<string>();
  for (const facts of files.values()) {
    for (const p of facts.packages ?? []) {
      const ecosystem: Ecosystem =
        p.kind === "dpkg" ? (distro?.ecosystem === "Ubuntu" ? "Ubuntu" : "Debian") : p.kind === "apk" ? "Alpine" : p.kind;
      const key = `${ecosystem}\u0000${p.name}\u0000${p.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push({ ecosystem, name: p.name, version: p.version, source: p.source, path: p.path });
    }
  }
  return { distro, packages };
}
