import type { BatchDeleteImageRequest, ImageFailure, ImageIdentifier } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Scope } from "../core/arn.js";
import { isRegistryError } from "../registry/errors.js";
import type { RegistryStore } from "../registry/registry-store.js";
import type { EcrDeps } from "./deps.js";
import { echoId, failure, isFailure, resolveImageId } from "./image-ids.js";
import { inRegistry } from "./registry-id.js";

/**
 * BatchDeleteImage, in one transaction. As the API reference describes: a digest deletes the
 * image with all its tags; a tag removes that tag, and removing an image's last tag deletes
 * the image. A tag given with its digest removes the tag only. Every identifier is resolved
 * against the repository as it was before the call, so two identifiers of one image delete it
 * once and report it once. A manifest that a manifest list still lists is not deleted
 * (ImageReferencedByManifestList) unless that list is deleted by the same call.
 */
export function batchDeleteImageHandlers({ db, store }: EcrDeps): Record<string, Handler> {
  return {
    BatchDeleteImage: (input: BatchDeleteImageRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      return db.transaction(() => {
        store.requireRepository(ctx, name);
        const failures: ImageFailure[] = [];
        const byDigest = new Map<string, ImageIdentifier>();
        const byTag = new Map<string, string>();
        for (const id of input.imageIds!) {
          const found = resolveImageId(store, ctx, name, id);
          if (isFailure(found)) failures.push(found);
          else if (found.tag !== undefined) byTag.set(found.tag, found.digest);
          else if (!byDigest.has(found.digest)) byDigest.set(found.digest, id);
        }
        const deleted = new Deleted();
        const { blocked } = deleteManifests(store, ctx, name, [...byDigest.keys()], deleted);
        for (const [digest, parent] of blocked) {
          failures.push(failure(byDigest.get(digest)!, "ImageReferencedByManifestList", `Requested image referenced by manifest list: [${parent}]`));
        }
        for (const [tag, digest] of byTag) {
          if (deleted.images.has(digest)) continue;
          store.deleteTag(ctx, name, tag);
          deleted.add(digest, tag);
          if (store.tagsOf(ctx, name, digest).length === 0) deleteUntagged(store, ctx, name, digest, deleted);
        }
        return { imageIds: deleted.ids, failures };
      })();
    },
  };
}

/** What the call deleted, as the imageIds ECR reports: one per tag, or the bare digest. */
class Deleted {
  readonly ids: ImageIdentifier[] = [];
  readonly images = new Set<string>();
  private readonly seen = new Set<string>();

  add(digest: string, tag?: string) {
    const key = `${digest} ${tag ?? ""}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.ids.push(echoId({ imageDigest: digest, imageTag: tag }));
  }
}

/**
 * Deletes manifests, retrying those a manifest list lists until no more can go: a list and
 * its images deleted together succeed in any order. Returns the ones still listed, with the
 * list that holds each.
 */
function deleteManifests(store: RegistryStore, scope: Scope, name: string, digests: string[], deleted: Deleted): { blocked: Map<string, string> } {
  let pending = digests;
  const blocked = new Map<string, string>();
  for (let progress = true; progress && pending.length; ) {
    progress = false;
    const next: string[] = [];
    for (const digest of pending) {
      try {
        const { tags } = store.deleteManifest(scope, name, digest);
        deleted.images.add(digest);
        if (tags.length) for (const tag of tags) deleted.add(digest, tag);
        else deleted.add(digest);
        blocked.delete(digest);
        progress = true;
      } catch (e) {
        if (!isRegistryError(e, "ManifestReferenced")) throw e;
        blocked.set(digest, String(e.detail?.referencedBy ?? ""));
        next.push(digest);
      }
    }
    pending = next;
  }
  return { blocked };
}

/**
 * The image whose last tag the call removed goes too (reported by that tag alone); one that a
 * manifest list still lists stays, untagged, as a part of that list.
 */
function deleteUntagged(store: RegistryStore, scope: Scope, name: string, digest: string, deleted: Deleted): void {
  try {
    store.deleteManifest(scope, name, digest);
    deleted.images.add(digest);
  } catch (e) {
    if (!isRegistryError(e, "ManifestReferenced")) throw e;
  }
}
