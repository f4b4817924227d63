/**
 * The union of an image's layers, applied in order as the OCI image spec describes, kept only
 * for the files the scanner wants (each as a small value T, never its bytes):
 * - a file in a layer replaces the same path below; a non-directory replaces a whole directory
 *   below it, and a directory replaces a file;
 * - a whiteout `.wh.<name>` removes <name> and everything under it from the layers below;
 * - an opaque marker `.wh..wh..opq` removes everything the layers below put in its directory.
 * Whiteouts and replacements act on the layers below only, so they are collected while a layer
 * streams and applied when it ends, before its own files are merged in.
 */
export class Overlay<T> {
  private files = new Map<string, T>();
  /** Every ancestor directory of a kept file, to tell cheaply whether a path hides anything. */
  private dirs = new Set<string>();
  private layer = new Map<string, T>();
  private removals = new Set<string>();
  private opaques = new Set<string>();

  /** An entry of the current layer; `value` when it is a wanted file, undefined otherwise. */
  entry(path: string, isDirectory: boolean, value?: T): void {
    if (isDirectory ? this.files.has(path) : this.hides(path)) this.removals.add(path);
    if (value === undefined) this.layer.delete(path);
    else this.layer.set(path, value);
  }

  whiteout(path: string): void {
    if (this.hides(path)) this.removals.add(path);
  }

  opaque(dir: string): void {
    if (dir === "" ? this.files.size > 0 : this.dirs.has(dir)) this.opaques.add(dir);
  }

  /** The value a path has so far (this layer first), for hard links. */
  lookup(path: string): T | undefined {
    return this.layer.get(path) ?? (this.removals.has(path) ? undefined : this.files.get(path));
  }

  /** Ends the current layer: its removals apply to the layers below, then its files land. */
  endLayer(): void {
    if (this.removals.size || this.opaques.size) {
      for (const path of [...this.files.keys()]) if (this.removed(path)) this.files.delete(path);
    }
    for (const [path, value] of this.layer) this.files.set(path, value);
    this.layer = new Map();
    this.removals = new Set();
    this.opaques = new Set();
    this.dirs = new Set();
    for (const path of this.files.keys()) for (const dir of ancestors(path)) this.dirs.add(dir);
  }

  /** The wanted files of the image, after every layer ended. */
  result(): ReadonlyMap<string, T> {
    return this.files;
  }

  private hides(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }

  /** Whether a kept path, or a directory above it, was removed; or an opaque directory above it. */
  private removed(path: string): boolean {
    if (this.removals.has(path) || this.opaques.has("")) return true;
    for (const dir of ancestors(path)) if (this.removals.has(dir) || this.opaques.has(dir)) return true;
    return false;
  }
}

/** "a/b/c" -> "a/b", "a". */
function* ancestors(path: string): Generator<string> {
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) yield path.slice(0, i);
}
