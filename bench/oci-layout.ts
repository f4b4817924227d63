import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tar } from "../src/agent/tar.js";

/**
 * Writes a multi-layer image as an OCI image layout (the format `skopeo copy oci:DIR:TAG ...`
 * reads): each layer an uncompressed tar holding one file of random, incompressible bytes, so
 * neither client nor registry can win by compressing, and the bytes on the wire are the bytes
 * on disk. Generated here so the benchmark needs no image from anywhere.
 */
export interface GeneratedImage {
  dir: string;
  tag: string;
  /** Sum of the sizes of the manifest, the config and the layers: what a push or pull moves. */
  bytes: number;
  layers: number;
  /** The layers' digests, in manifest order. */
  layerDigests: string[];
  manifestDigest: string;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export function writeOciLayout(dir: string, { layers, layerBytes, tag = "bench" }: { layers: number; layerBytes: number; tag?: string }): GeneratedImage {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    const hex = sha256(b);
    writeFileSync(join(blobs, hex), b);
    return { digest: `sha256:${hex}`, size: b.length };
  };
  const layerDescs = Array.from({ length: layers }, (_, i) => {
    const desc = put(tar([{ name: `data/layer-${i}.bin`, data: randomBytes(layerBytes) }]));
    return { mediaType: "application/vnd.oci.image.layer.v1.tar", ...desc };
  });
  const config = Buffer.from(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["sh"] },
    // Uncompressed layers: each diff_id is the layer's own digest.
    rootfs: { type: "layers", diff_ids: layerDescs.map((l) => l.digest) },
  }));
  const configDesc = { mediaType: "application/vnd.oci.image.config.v1+json", ...put(config) };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: configDesc, layers: layerDescs }));
  const manifestDesc = put(manifest);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifestDesc, annotations: { "org.opencontainers.image.ref.name": tag } }],
  }));
  const bytes = manifest.length + config.length + layerDescs.reduce((n, l) => n + l.size, 0);
  return { dir, tag, bytes, layers, layerDigests: layerDescs.map((l) => l.digest), manifestDigest: manifestDesc.digest };
}
