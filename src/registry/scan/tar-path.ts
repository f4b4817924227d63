/**
 * A tar entry's name as a path in the image: no leading "/" or "./", no "." segments, ".."
 * resolved. Undefined for a name that climbs above the root (nothing is written to disk, but
 * such an entry names no file of the image either).
 */
export function imagePath(name: string): string | undefined {
  const out: string[] = [];
  for (const seg of name.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.pop() === undefined) return undefined;
      continue;
    }
    out.push(seg);
  }
  return out.join("/");
}

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/**
 * What an entry means under the OCI layer rules: `.wh.<name>` deletes <name> (and everything
 * under it) from the layers below, `.wh..wh..opq` hides everything the layers below put in its
 * directory. Other `.wh..wh.` names are AUFS bookkeeping and mean nothing to the image.
 */
export function whiteoutOf(path: string): { kind: "whiteout" | "opaque"; target: string } | { kind: "ignore" } | undefined {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "" : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT)) return undefined;
  if (base === OPAQUE) return { kind: "opaque", target: dir };
  if (base.startsWith(WHITEOUT + WHITEOUT)) return { kind: "ignore" };
  const name = base.slice(WHITEOUT.length);
  return name ? { kind: "whiteout", target: dir ? `${dir}/${name}` : name } : { kind: "ignore" };
}
