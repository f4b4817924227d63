import type { Readable } from "node:stream";
import { MAX_MANIFEST_BYTES } from "../manifest.js";
import { looksLikeDigest } from "../digest.js";
import { RegistryError } from "../errors.js";
import { contentLength, manifestLocation, type Ctx } from "./context.js";
import { DRAIN_LIMIT_BYTES as DRAIN_LIMIT } from "../../aws/raw-body.js";

/** GET and HEAD /v2/<name>/manifests/<reference>: the exact bytes pushed, under their media type. */
export function getManifest({ reply, scope, store, req, recordPull }: Ctx, name: string, reference: string) {
  const head = req.method === "HEAD";
  // An archived image cannot be pulled (ECR answers 404); pull-time update exclusions leave
  // lastRecordedPullTime alone for the principals they name (c.recordPull false).
  const m = store.getManifest(scope, name, reference, { recordPull: !head && recordPull !== false, requireActive: true });
  reply
    .status(200)
    .header("content-type", m.mediaType)
    .header("content-length", m.size)
    .header("docker-content-digest", m.digest)
    .header("etag", `"${m.digest}"`);
  return reply.send(head ? undefined : m.raw);
}

/** PUT /v2/<name>/manifests/<reference>: by tag or by digest. */
export async function putManifest({ req, reply, scope, store }: Ctx, name: string, reference: string) {
  // Refuse an oversized manifest on its declared length, before reading any of it.
  store.requireRepository(scope, name);
  const declared = contentLength(req);
  if (declared !== undefined && declared > MAX_MANIFEST_BYTES) {
    reply.header("connection", "close");
    throw tooLarge(declared);
  }
  const raw = await readLimited(req.raw, MAX_MANIFEST_BYTES, reply);
  const contentType = typeof req.headers["content-type"] === "string" ? req.headers["content-type"] : undefined;
  const result = store.putManifest(scope, name, { reference, raw, contentType });
  reply
    .status(201)
    .header("location", manifestLocation(name, result.digest))
    .header("docker-content-digest", result.digest)
    .header("content-length", 0);
  if (result.subject) reply.header("oci-subject", result.subject);
  return reply.send();
}

/** DELETE /v2/<name>/manifests/<reference>: a digest deletes the manifest, a tag only the tag. */
export function deleteManifest({ reply, scope, store }: Ctx, name: string, reference: string) {
  if (looksLikeDigest(reference)) store.deleteManifest(scope, name, reference);
  else store.deleteTag(scope, name, reference);
  return reply.status(202).header("content-length", 0).send();
}

const tooLarge = (size: number) => new RegistryError("ManifestTooLarge", `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`, { size, limit: MAX_MANIFEST_BYTES });

/**
 * Reads a body of at most `limit` bytes. A body without a declared length that runs past the
 * limit is drained (up to DRAIN_LIMIT, then the connection is cut) and refused: answering
 * and closing while the client still sends would make it lose the answer to a reset.
 */
async function readLimited(source: Readable, limit: number, reply: Ctx["reply"]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += (chunk as Buffer).length;
    if (total > DRAIN_LIMIT) {
      reply.header("connection", "close");
      throw tooLarge(total);
    }
    if (total <= limit) chunks.push(chunk as Buffer);
  }
  if (total > limit) throw tooLarge(total);
  return Buffer.concat(chunks);
}
