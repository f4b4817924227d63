import type { PutImageRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { digestOf, parseDigest } from "../registry/digest.js";
import { isRegistryError, RegistryError } from "../registry/errors.js";
import { MEDIA_TYPES } from "../registry/manifest.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import {
  imageAlreadyExists, imageDigestDoesNotMatch, invalidManifest, invalidManifestJson, layersNotFoundForImage, referencedImagesNotFound,
} from "./image-errors.js";
import { inRegistry } from "./registry-id.js";

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);

/**
 * PutImage: stores a manifest whose blobs the repository already has (pushed through the
 * layer API or /v2), under a tag or untagged, with the same checks as a /v2 manifest PUT.
 * ECR's rules on top: the media type must be stated (in the manifest or the parameter);
 * imageDigest, when given, must be the manifest's digest; pushing the same manifest under
 * the same tag again (or untagged again) is ImageAlreadyExistsException and changes nothing.
 */
export function putImageHandlers({ db, store }: EcrDeps): Record<string, Handler> {
  return {
    PutImage: (input: PutImageRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const text = input.imageManifest!;
      const raw = Buffer.from(text, "utf8");
      const mediaType = statedMediaType(text, input.imageManifestMediaType);
      let digest = digestOf(raw).value;
      if (input.imageDigest !== undefined) {
        const given = parseDigest(input.imageDigest);
        if (!given) throw invalidParameter("Invalid parameter at 'imageDigest' failed to satisfy constraint: 'Invalid image digest'");
        if (digestOf(raw, given.algorithm).value !== given.value) throw imageDigestDoesNotMatch();
        digest = given.value;
      }
      const tag = input.imageTag;
      const result = db.transaction(() => {
        const repo = store.requireRepository(ctx, name);
        if (exists(digest, tag)) throw imageAlreadyExists(digest, tag, name, repo.account);
        try {
          // The parameter goes in as the Content-Type would: a manifest that says otherwise is refused.
          return store.putManifest(ctx, name, { reference: tag ?? digest, raw, contentType: input.imageManifestMediaType || mediaType });
        } catch (e) {
          throw putImageError(e, mediaType, name, repo.account);
        }
      })();
      return {
        image: {
          registryId: ctx.account,
          repositoryName: name,
          imageId: { imageDigest: result.digest, ...(tag !== undefined ? { imageTag: tag } : {}) },
          imageManifest: text,
          imageManifestMediaType: result.mediaType,
        },
      };

      function exists(d: string, t: string | undefined): boolean {
        try {
          store.getManifest(ctx, name, d);
        } catch (e) {
          if (isRegistryError(e, "ManifestNotFound")) return false;
          throw e;
        }
        return t === undefined || store.tagsOf(ctx, name, d).includes(t);
      }
    },
  };
}

/**
 * The manifest's media type: its own `mediaType` field, else the parameter. ECR refuses a
 * manifest that states neither with the message it gives unreadable JSON, "Invalid parameter at
 * 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'", even when the JSON is
 * valid: that is what users of real ECR report retagging OCI images and Helm charts without
 * --image-manifest-media-type (aws/aws-cli#8620, aws/aws-sdk#193, aws/containers-roadmap#1873,
 * containers/image#584), so Berth answers the same.
 */
function statedMediaType(text: string, parameter: string | undefined): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidManifestJson();
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalidManifestJson();
  const field = (doc as { mediaType?: unknown }).mediaType;
  if (typeof field === "string" && field !== "") return field;
  if (parameter === undefined || parameter === "") throw invalidManifestJson();
  return parameter;
}

/** The registry's refusal of a manifest as PutImage's exception. */
function putImageError(e: unknown, mediaType: string, name: string, account: string): unknown {
  if (!(e instanceof RegistryError)) return e;
  switch (e.kind) {
    case "InvalidManifest":
    case "ManifestTooLarge":
      return invalidManifest(e.message);
    case "ManifestReferencesMissing": {
      const missing = (e.detail?.missing as string[] | undefined) ?? [];
      return INDEX_TYPES.has(mediaType) ? referencedImagesNotFound(missing, name, account) : layersNotFoundForImage(missing, name, account);
    }
    case "InvalidTag":
      return invalidParameter("Invalid parameter at 'imageTag' failed to satisfy constraint: 'Image tag must be up to 128 characters of [a-zA-Z0-9_.-], not starting with '.' or '-''");
    case "DigestMismatch":
      return imageDigestDoesNotMatch();
    default:
      return e;
  }
}
