import { gzipSync } from "node:zlib";
import tarStream from "tar-stream";

/** One entry of a test layer: a file (string content), a directory, a symlink or a hard link. */
export type TarEntry =
  | { name: string; content: string | Buffer }
  | { name: string; type: "directory" }
  | { name: string; type: "symlink" | "link"; linkname: string };

/**
 * A tar archive of `entries`, in order, as bytes (gzip'd when asked): small image layers for
 * the scanner's tests, built with the same tar library the scanner reads with.
 */
export async function buildTar(entries: TarEntry[], { gzip = false }: { gzip?: boolean } = {}): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    if ("content" in e) pack.entry({ name: e.name }, typeof e.content === "string" ? Buffer.from(e.content) : e.content);
    else if (e.type === "directory") pack.entry({ name: e.name, type: "directory" });
    else pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
  }
  pack.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}
