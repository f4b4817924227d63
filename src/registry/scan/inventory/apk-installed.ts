import type { FoundPackage } from "./package.js";

/**
 * Installed packages from apk's database, /lib/apk/db/installed: one paragraph per package of
 * single-letter fields (P: name, V: version, o: origin, the source package Alpine's advisories
 * name), paragraphs separated by blank lines.
 */
export function readApkInstalled(text: string, path: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  let name: string | undefined;
  let version: string | undefined;
  let origin: string | undefined;
  const flush = () => {
    if (name && version) out.push({ kind: "apk", name, version, path, ...(origin ? { source: { name: origin, version } } : {}) });
    name = version = origin = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (line[1] !== ":") continue;
    const value = line.slice(2).trim();
    if (line[0] === "P") name = value;
    else if (line[0] === "V") version = value;
    else if (line[0] === "o") origin = value;
  }
  flush();
  return out;
}
