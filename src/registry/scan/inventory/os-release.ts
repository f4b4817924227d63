import type { Distro } from "./package.js";

/** KEY=value lines of os-release(5), values optionally quoted. */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!.trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) v = v.slice(1, -1).replace(/\\(["'\\$`])/g, "$1");
    out.set(m[1]!, v);
  }
  return out;
}

/**
 * The distribution an os-release file names, in OSV's terms: Debian "12", Ubuntu "22.04",
 * Alpine "v3.19" (OSV names Alpine releases by branch). Undefined for other distributions.
 */
export function readOsRelease(text: string): Distro | undefined {
  const f = fields(text);
  const id = f.get("ID")?.toLowerCase();
  const version = f.get("VERSION_ID");
  // Debian point releases (12.5) share their major release's advisories ("Debian:12").
  if (id === "debian") return { ecosystem: "Debian", release: /^\d+/.exec(version ?? "")?.[0] };
  if (id === "ubuntu") return { ecosystem: "Ubuntu", release: version };
  if (id === "alpine") {
    const branch = /^(\d+)\.(\d+)/.exec(version ?? "");
    return { ecosystem: "Alpine", release: branch ? `v${branch[1]}.${branch[2]}` : undefined };
  }
  return undefined;
}
