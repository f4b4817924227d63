import { MEDIA_TYPES } from "../manifest.js";
import type { Ctx } from "./context.js";
import { first, nextLink, pageParams } from "./pagination.js";

/** GET /v2/<name>/tags/list?n=&last=: tags in byte order, with a Link to the next page. */
export function listTags(c: Ctx, name: string) {
  const { n, last } = pageParams(c.req.query as Record<string, unknown>);
  const { tags, more } = n === 0 ? { tags: [], more: false } : c.store.listTags(c.scope, name, { after: last, limit: n });
  if (n === 0) c.store.requireRepository(c.scope, name);
  if (more) c.reply.header("link", nextLink(`/v2/${name}/tags/list`, n, tags[tags.length - 1]!));
  return c.reply.status(200).header("content-type", "application/json").send(JSON.stringify({ name, tags }));
}

/** GET /v2/_catalog?n=&last=: the repositories of the caller's account and region. */
export function catalog(c: Ctx) {
  const { n, last } = pageParams(c.req.query as Record<string, unknown>);
  const page = n === 0 ? [] : c.store.listRepositories(c.scope, { after: last, limit: n + 1 }).map((r) => r.name);
  const repositories = page.slice(0, n);
  if (page.length > n) c.reply.header("link", nextLink("/v2/_catalog", n, repositories[repositories.length - 1]!));
  return c.reply.status(200).header("content-type", "application/json").send(JSON.stringify({ repositories }));
}

/** GET /v2/<name>/referrers/<digest>[?artifactType=]: an OCI index of the manifests whose subject it is. */
export function referrers(c: Ctx, name: string, digest: string) {
  const artifactType = first((c.req.query as Record<string, unknown>).artifactType);
  const manifests = c.store.referrers(c.scope, name, digest, { artifactType });
  if (artifactType !== undefined) c.reply.header("oci-filters-applied", "artifactType");
  return c.reply
    .status(200)
    .header("content-type", MEDIA_TYPES.ociIndex)
    // A Buffer, so that Fastify does not append "; charset=utf-8" to the media type.
    .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests })));
}
