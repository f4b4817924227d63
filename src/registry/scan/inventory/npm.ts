import type { FoundPackage } from "./package.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function parse(text: string): Json | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    return isObject(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

const NODE_MODULES = "node_modules/";

/**
 * Packages a package-lock.json (or npm-shrinkwrap.json) pins. Lockfile v2 and v3 list every
 * installed package under `packages`, keyed by its install path ("node_modules/a/node_modules/b");
 * v1 nests `dependencies` objects. The root project ("") and workspace links are not packages
 * from the registry and are skipped.
 */
export function readPackageLock(text: string, path: string): FoundPackage[] {
  const doc = parse(text);
  if (!doc) return [];
  const out: FoundPackage[] = [];
  if (isObject(doc.packages)) {
    for (const [key, entry] of Object.entries(doc.packages)) {
      if (!isObject(entry) || entry.link === true || typeof entry.version !== "string") continue;
      const at = key.lastIndexOf(NODE_MODULES);
      if (at < 0) continue;
      // An alias (`"x": "npm:y@1"`) is installed as x but is the package named y.
      const name = typeof entry.name === "string" ? entry.name : key.slice(at + NODE_MODULES.length);
      out.push({ kind: "npm", name, version: entry.version, path });
    }
    return out;
  }
  // v1: walk the nested dependency trees without recursion (a hostile file may nest deeply).
  const stack: Json[] = isObject(doc.dependencies) ? [doc.dependencies] : [];
  while (stack.length) {
    for (const [name, entry] of Object.entries(stack.pop()!)) {
      if (!isObject(entry)) continue;
      if (typeof entry.version === "string") out.push({ kind: "npm", name, version: entry.version, path });
      if (isObject(entry.dependencies)) stack.push(entry.dependencies);
    }
  }
  return out;
}

/** An installed package's own node_modules/<name>/package.json. */
export function readInstalledPackageJson(text: string, path: string): FoundPackage[] {
  const doc = parse(text);
  if (!doc || typeof doc.name !== "string" || typeof doc.version !== "string") return [];
  return [{ kind: "npm", name: doc.name, version: doc.version, path }];
}
