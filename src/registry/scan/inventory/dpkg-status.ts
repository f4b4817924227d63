import type { FoundPackage } from "./package.js";
import { paragraphs } from "./stanzas.js";

/**
 * Installed packages from dpkg's database: /var/lib/dpkg/status, or the one-file-per-package
 * /var/lib/dpkg/status.d/ of distroless images. A package counts when its Status says
 * "installed" (not config-files or half-installed). `Source: name (version)` names the source
 * package and, when it differs, its version.
 */
export function readDpkgStatus(text: string, path: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const p of paragraphs(text)) {
    const name = p.get("Package");
    const version = p.get("Version");
    const status = p.get("Status");
    if (!name || !version) continue;
    // status.d files of distroless images carry no Status field: they list what is installed.
    if (status !== undefined && status.split(/\s+/)[2] !== "installed") continue;
    const pkg: FoundPackage = { kind: "dpkg", name, version, path };
    const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(p.get("Source") ?? "");
    if (source) pkg.source = { name: source[1]!, version: source[2] ?? version };
    out.push(pkg);
  }
  return out;
}
