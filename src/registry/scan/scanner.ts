import type { Readable } from "node:stream";
import { parseManifest } from "../manifest.js";
import { factsOf, wantsFile } from "./inventory/file-facts.js";
import { buildInventory, type Inventory } from "./inventory/inventory.js";
import type { FileFacts } from "./inventory/package.js";
import { ScanAbortedError, ScanBudget, ScanLimitError, type ScanLimits } from "./limits.js";
import { Overlay } from "./overlay.js";
import { readLayer } from "./layer-reader.js";

/** Layer media types the scanner reads (tar, gzip'd or zstd'd tar; Docker's and OCI's names). */
const LAYER = /^application\/vnd\.(oci\.image\.layer\.v1\.tar(\+gzip|\+zstd)?|docker\.image\.rootfs\.diff\.tar(\.gzip)?)$/;
/** Layers a registry does not hold (Windows base layers, non-distributable layers). */
const FOREIGN = /(foreign|nondistributable)/;

export interface InventoryInput {
  /** The image manifest's bytes, as pushed. */
  manifest: Buffer;
  /** A layer blob's bytes. */
  openBlob(digest: string): Promise<Readable>;
  limits?: ScanLimits;
  /** Polled as the layers stream: true stops the scan with ScanAbortedError. */
  stopped?: () => boolean;
}

/**
 * An image's package inventory: its layers applied in order (whiteouts included), then the
 * package databases and lock files of the resulting filesystem read. Throws ScanLimitError when
 * the image exceeds the scan's limits, and other errors when a layer cannot be read.
 */
export async function readInventory({ manifest, openBlob, limits, stopped }: InventoryInput): Promise<Inventory> {
  const parsed = parseManifest(manifest);
  const budget = new ScanBudget(limits, stopped);
  const overlay = new Overlay<FileFacts>();
  const select = {
    wants: wantsFile,
    read: (path: string, content: Buffer) => {
      const facts = factsOf(path, content);
      budget.found(facts.packages?.length ?? 0);
      return facts;
    },
  };
  // The config is blobs[0]; layers follow in order, foreign ones excluded by the parser.
  for (const layer of parsed.blobs.slice(1)) {
    if (FOREIGN.test(layer.mediaType)) continue;
    if (!LAYER.test(layer.mediaType)) throw new UnreadableLayerError(`layer ${layer.digest} has media type ${layer.mediaType}, which is not a tar archive`);
    try {
      await readLayer(await openBlob(layer.digest), overlay, select, budget);
    } catch (err) {
      if (err instanceof ScanLimitError || err instanceof ScanAbortedError) throw err;
      throw new UnreadableLayerError(`layer ${layer.digest} could not be read: ${(err as Error).message}`);
    }
  }
  return buildInventory(overlay.result());
}

export class UnreadableLayerError extends Error {}
