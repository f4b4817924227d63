import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tarStream from "tar-stream";
import { counting, tarStages } from "./decompress.js";
import type { ScanBudget } from "./limits.js";
import type { Overlay } from "./overlay.js";
import { imagePath, whiteoutOf } from "./tar-path.js";

/** What the reader asks of the scanner: which files it wants, and what it keeps of one. */
export interface FileSelector<T> {
  wants(path: string): boolean;
  /** A small value for a wanted file's content (counted against the budget by the caller). */
  read(path: string, content: Buffer): T;
}

/**
 * Streams one layer (gzip, zstd or plain tar) into the overlay: every entry's path, whiteouts,
 * and the value of each wanted regular file no larger than the budget allows. Tar parsing is
 * tar-stream's (ustar, pax and GNU long names); nothing is written to disk and no entry's bytes
 * are held beyond the wanted file being read.
 */
export async function readLayer<T>(blob: Readable, overlay: Overlay<T>, select: FileSelector<T>, budget: ScanBudget): Promise<void> {
  const stages = await tarStages(blob);
  const extract = tarStream.extract();
  const streams: Array<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream> = [...stages, counting((n) => budget.tar(n)), extract];
  const piping = pipeline(streams);
  // The loop below reports the error; this keeps a rejected pipeline from going unhandled.
  piping.catch(() => {});
  try {
    for await (const entry of extract) {
      budget.entry();
      const h = entry.header;
      const path = imagePath(h.name);
      const wo = path === undefined ? undefined : whiteoutOf(path);
      if (path === undefined || path === "" || wo) {
        if (wo?.kind === "whiteout") overlay.whiteout(wo.target);
        else if (wo?.kind === "opaque") overlay.opaque(wo.target);
        entry.resume();
        continue;
      }
      const wanted = select.wants(path);
      if (h.type === "file" || h.type === "contiguous-file") {
        const size = h.size ?? 0;
        if (wanted && size <= budget.limits.maxFileBytes) {
          budget.read(size);
          overlay.entry(path, false, select.read(path, await readAll(entry)));
          continue;
        }
        overlay.entry(path, false);
      } else if (h.type === "link") {
        // A hard link is the file it links to, under another name.
        const target = h.linkname ? imagePath(h.linkname) : undefined;
        if (wanted) budget.read(0);
        overlay.entry(path, false, wanted && target ? overlay.lookup(target) : undefined);
      } else {
        overlay.entry(path, h.type === "directory");
      }
      entry.resume();
    }
  } catch (err) {
    extract.destroy();
    throw err;
  }
  await piping;
  overlay.endLayer();
}

async function readAll(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
