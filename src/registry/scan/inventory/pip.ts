import type { FoundPackage } from "./package.js";

const pypi = (name: string, version: string, path: string): FoundPackage => ({ kind: "PyPI", name, version, path });

/**
 * Pinned requirements (`name==version`, extras and environment markers allowed) from a
 * requirements file. Unpinned or ranged requirements name no installed version and are skipped,
 * as are options (-r, -e, --hash continuation lines) and comments.
 */
export function readRequirements(text: string, path: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw
      .replace(/(^|\s)#.*$/, "") // comments
      .split(";")[0]! // environment markers
      .replace(/\s--hash[=\s]\S+/g, "")
      .replace(/\\\s*$/, "") // line continuation
      .trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s,*]+)$/.exec(line);
    if (m) out.push(pypi(m[1]!, m[2]!, path));
  }
  return out;
}

/**
 * An installed distribution's *.dist-info/METADATA (or *.egg-info/PKG-INFO): the Name and
 * Version headers at the top, before the first blank line.
 */
export function readDistMetadata(text: string, path: string): FoundPackage[] {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") break;
    const m = /^(Name|Version):\s*(.+?)\s*$/.exec(line);
    if (m?.[1] === "Name") name = m[2];
    else if (m?.[1] === "Version") version = m[2];
  }
  return name && version ? [pypi(name, version, path)] : [];
}

/**
 * poetry.lock: TOML with one `[[package]]` table per locked package. Only `name = "..."` and
 * `version = "..."` of those tables are needed, so the lines are read directly instead of
 * bringing in a TOML parser.
 */
export function readPoetryLock(text: string, path: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  let inPackage = false;
  let name: string | undefined;
  let version: string | undefined;
  const flush = () => {
    if (inPackage && name && version) out.push(pypi(name, version, path));
    name = version = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      // A sub-table of a package ([package.dependencies]) does not end its name and version.
      if (line.startsWith("[package.")) continue;
      flush();
      inPackage = line === "[[package]]";
      continue;
    }
    const m = /^(name|version)\s*=\s*"([^"]*)"\s*$/.exec(line);
    if (inPackage && m) {
      if (m[1] === "name") name = m[2];
      else version = m[2];
    }
  }
  flush();
  return out;
}

/** Pipfile.lock: JSON whose `default` and `develop` sections map names to `{"version": "==x"}`. */
export function readPipfileLock(text: string, path: string): FoundPackage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out: FoundPackage[] = [];
  for (const section of ["default", "develop"]) {
    const deps = (doc as Record<string, unknown> | null)?.[section];
    if (typeof deps !== "object" || deps === null) continue;
    for (const [name, spec] of Object.entries(deps)) {
      const v = (spec as { version?: unknown } | null)?.version;
      if (typeof v === "string" && v.startsWith("==")) out.push(pypi(name, v.slice(2), path));
    }
  }
  return out;
}
