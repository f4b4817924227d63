import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./config.js";

/**
 * Makes a data directory private to the user Berth runs as: the directory itself 0700 (created
 * so if missing), and, of what is in it, the entries `ours` names with everything beneath them
 * stripped of every group and other permission (files 0600, directories 0700). The database holds
 * every task's environment and the registry's token-signing key; the registry holds every image.
 *
 * Only Berth's own entries are walked, not the whole directory: a data directory pointed at a
 * home or another shared place must not have the rest of its contents changed. The directory's
 * own 0700 already makes everything beneath unreachable to other users; tightening the entries
 * too keeps them private if the directory is ever opened up or its contents copied elsewhere.
 * The walk is one lstat per file, and a chmod only where a mode is wrong.
 * Symbolic links beneath the directory are never followed; the directory itself may be one.
 */
export function makePrivate(dir: string, ours: (name: string) => boolean): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    // A file, or a link to one or to nothing, where the directory should be: said below.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  // The data directory itself may be a link (/var/lib/berth -> /data/berth): its target is the directory.
  const top = statSync(dir, { throwIfNoEntry: false });
  if (!top) throw new ConfigError(`dataDir ${dir} is a link to nothing`);
  // The sticky bit marks a directory shared by every user (/tmp): not Berth's to close.
  if (top.isDirectory() && top.mode & 0o1000) {
    throw new ConfigError(`dataDir ${dir} is a directory shared by every user (sticky bit, like /tmp): give Berth a directory of its own`);
  }
  if (!top.isDirectory()) throw new ConfigError(`dataDir ${dir} is not a directory`);
  tighten(dir, top);
  const pending = readdirSync(dir).filter(ours).map((name) => join(dir, name));
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    tighten(path, st);
    if (st.isDirectory()) for (const name of readdirSync(path)) pending.push(join(path, name));
  }
}

function tighten(path: string, st: Stats): void {
  const mode = st.mode & 0o7777;
  const wanted = st.isDirectory() ? 0o700 : mode & 0o700;
  if (mode !== wanted) chmodSync(path, wanted);
}
