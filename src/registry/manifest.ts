import { parseDigest } from "./digest.js";
import { invalidManifest } from "./errors.js";

/** The manifest formats the registry stores: OCI and Docker schema 2, images and indexes. */
export const MEDIA_TYPES = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
} as const;

const IMAGE_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
export const isManifestMediaType = (t: string) => IMAGE_TYPES.has(t) || INDEX_TYPES.has(t);

/**
 * Layers that by design live elsewhere (Windows base layers, "non-distributable" OCI layers):
 * a registry never holds them, so a manifest may name them without having pushed them.
 */
const FOREIGN_LAYERS = /^application\/vnd\.(docker\.image\.rootfs\.foreign\.diff\.tar\.gzip|oci\.image\.layer\.nondistributable\.v1\.tar(\+gzip|\+zstd)?)$/;

/** Largest manifest accepted; the OCI spec asks registries to take at least 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ParsedManifest {
  mediaType: string;
  kind: "image" | "index";
  /** Config and layers that must be blobs of the repository (foreign layers excluded). */
  blobs: Descriptor[];
  /** An index's manifests, which must be manifests of the repository. */
  children: Descriptor[];
  subject?: Descriptor;
  /** As the referrers API reports it: `artifactType`, else an image's config media type. */
  artifactType?: string;
  configMediaType?: string;
  annotations?: Record<string, string>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses and checks a manifest as pushed. `contentType` is the request's Content-Type
 * (parameters ignored); when the manifest has a `mediaType` field the two must agree, as the
 * spec requires of clients. Everything wrong is MANIFEST_INVALID with a reason.
 */
export function parseManifest(raw: Uint8Array, contentType?: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(utf8.decode(raw));
  } catch {
    throw invalidManifest("manifest invalid: not UTF-8 JSON");
  }
  if (!isObject(doc)) throw invalidManifest("manifest invalid: not a JSON object");
  if (doc.schemaVersion !== 2) throw invalidManifest("manifest invalid: schemaVersion must be 2 (schema 1 manifests are not supported)");
  const header = contentType?.split(";")[0]!.trim().toLowerCase() || undefined;
  const field = doc.mediaType;
  if (field !== undefined && typeof field !== "string") throw invalidManifest("manifest invalid: mediaType must be a string");
  if (field !== undefined && header !== undefined && field !== header) {
    throw invalidManifest(`manifest invalid: Content-Type ${header} does not match the manifest's mediaType ${field}`);
  }
  const mediaType = field ?? (header && isManifestMediaType(header) ? header : "config" in doc ? MEDIA_TYPES.ociManifest : "manifests" in doc ? MEDIA_TYPES.ociIndex : undefined);
  if (mediaType === undefined || !isManifestMediaType(mediaType)) {
    throw invalidManifest(`manifest invalid: unsupported media type ${mediaType ?? header ?? "(none)"}`);
  }
  const artifactType = optionalString(doc.artifactType, "artifactType");
  const annotations = optionalAnnotations(doc.annotations, "annotations");
  const subject = doc.subject === undefined ? undefined : descriptor(doc.subject, "subject");

  if (IMAGE_TYPES.has(mediaType)) {
    const config = descriptor(doc.config, "config");
    if (doc.layers !== undefined && !Array.isArray(doc.layers)) throw invalidManifest("manifest invalid: layers must be an array");
    const layers = ((doc.layers as unknown[] | undefined) ?? []).map((l, i) => descriptor(l, `layers[${i}]`));
    const blobs = [config, ...layers.filter((l) => !(FOREIGN_LAYERS.test(l.mediaType) && l.urls?.length))];
    return { mediaType, kind: "image", blobs, children: [], subject, artifactType: artifactType || config.mediaType, configMediaType: config.mediaType, annotations };
  }
  if (!Array.isArray(doc.manifests)) throw invalidManifest("manifest invalid: an index must have a manifests array");
  const children = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
  return { mediaType, kind: "index", blobs: [], children, subject, artifactType: artifactType || undefined, annotations };
}

function descriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw invalidManifest(`manifest invalid: ${where} must be a descriptor object`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== "string" || mediaType === "") throw invalidManifest(`manifest invalid: ${where}.mediaType must be a non-empty string`);
  if (typeof digest !== "string" || !parseDigest(digest)) throw invalidManifest(`manifest invalid: ${where}.digest is not a valid digest`, { digest: String(digest).slice(0, 200) });
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw invalidManifest(`manifest invalid: ${where}.size must be a non-negative integer`);
  const urls = v.urls;
  if (urls !== undefined && (!Array.isArray(urls) || urls.some((u) => typeof u !== "string"))) throw invalidManifest(`manifest invalid: ${where}.urls must be strings`);
  return {
    mediaType, digest, size,
    artifactType: optionalString(v.artifactType, `${where}.artifactType`),
    annotations: optionalAnnotations(v.annotations, `${where}.annotations`),
    urls: urls as string[] | undefined,
  };
}

function optionalString(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalidManifest(`manifest invalid: ${where} must be a string`);
  return v;
}

function optionalAnnotations(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== "string")) throw invalidManifest(`manifest invalid: ${where} must map strings to strings`);
  return v as Record<string, string>;
}
