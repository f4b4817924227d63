import type {
  DeleteLifecyclePolicyRequest, GetLifecyclePolicyPreviewRequest, GetLifecyclePolicyRequest, ImageIdentifier,
  LifecyclePolicyPreviewResult, LifecyclePolicyPreviewSummary, PutLifecyclePolicyRequest, StartLifecyclePolicyPreviewRequest,
} from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { ServiceError } from "../core/errors.js";
import type { RepositoryRecord } from "../registry/registry-store.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { inRegistry } from "./registry-id.js";
import { paginate } from "./page-token.js";
import { formatLifecyclePolicy, parseLifecyclePolicy } from "./lifecycle-policy.js";
import { applyLifecyclePolicy, LIFECYCLE_SETTING, previewLifecycle, storedPolicy, type StoredLifecyclePolicy } from "./lifecycle-apply.js";
import { LifecyclePreviews, type PreviewEntry } from "./lifecycle-previews.js";

const policyNotFound = (name: string, account: string) =>
  new ServiceError("LifecyclePolicyNotFoundException", `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${account}'`);
const previewNotFound = (name: string, account: string) =>
  new ServiceError("LifecyclePolicyPreviewNotFoundException", `There is no dry run for the repository with name '${name}' in the registry with id '${account}'`);

const DEFAULT_PREVIEW_PAGE = 100;

/**
 * Put/Get/DeleteLifecyclePolicy and the preview pair. The policy is stored, normalized, in the
 * repository's settings document; PutLifecyclePolicy applies it at once (ECR: "within 24
 * hours"), and the sweeper (lifecycle-sweeper.ts) applies it again every
 * lifecyclePolicyIntervalSeconds. A preview is computed when it is started, so it is COMPLETE
 * by the time anyone asks for it.
 */
export function lifecycleHandlers({ db, store, clock }: EcrDeps): Record<string, Handler> {
  const previews = new LifecyclePreviews();

  const requirePolicy = (repo: RepositoryRecord): StoredLifecyclePolicy => {
    const stored = storedPolicy(repo);
    if (!stored) throw policyNotFound(repo.name, repo.account);
    return stored;
  };

  return {
    PutLifecyclePolicy: (input: PutLifecyclePolicyRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      store.requireRepository(ctx, name);
      const text = formatLifecyclePolicy(parseLifecyclePolicy(input.lifecyclePolicyText!));
      const repo = store.updateRepositorySettings(ctx, name, { [LIFECYCLE_SETTING]: { text } satisfies StoredLifecyclePolicy });
      // Applied right away, so the effect shows without waiting for the next sweep.
      try {
        const expired = applyLifecyclePolicy({ db, store, clock }, repo);
        if (expired.length) ctx.log.info({ repository: name, expired }, "lifecycle policy expired images");
      } catch (err) {
        ctx.log.error({ err, repository: name }, "lifecycle policy could not be applied; the sweeper will try again");
      }
      return { registryId: repo.account, repositoryName: name, lifecyclePolicyText: text };
    },

    GetLifecyclePolicy: (input: GetLifecyclePolicyRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const repo = store.requireRepository(ctx, name);
      const stored = requirePolicy(repo);
      return { registryId: repo.account, repositoryName: name, lifecyclePolicyText: stored.text, lastEvaluatedAt: evaluatedAt(stored) };
    },

    DeleteLifecyclePolicy: (input: DeleteLifecyclePolicyRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      return db.transaction(() => {
        const repo = store.requireRepository(ctx, name);
        const stored = requirePolicy(repo);
        // undefined drops the member from the stored JSON document.
        store.updateRepositorySettings(ctx, name, { [LIFECYCLE_SETTING]: undefined });
        return { registryId: repo.account, repositoryName: name, lifecyclePolicyText: stored.text, lastEvaluatedAt: evaluatedAt(stored) };
      })();
    },

    StartLifecyclePolicyPreview: (input: StartLifecyclePolicyPreviewRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const repo = store.requireRepository(ctx, name);
      const text = input.lifecyclePolicyText !== undefined
        ? formatLifecyclePolicy(parseLifecyclePolicy(input.lifecyclePolicyText))
        : requirePolicy(repo).text;
      const now = clock.now();
      const entries: PreviewEntry[] = previewLifecycle(store, repo, parseLifecyclePolicy(text), now).map((e) => ({
        digest: e.digest, tags: e.image.tags, pushedAt: e.image.pushedAt, rulePriority: e.rulePriority, action: e.action, storageClass: e.image.storageClass ?? "standard",
      }));
      previews.put(repo, { text, entries }, now);
      // ECR reports IN_PROGRESS here and COMPLETE once done; Berth is done already.
      return { registryId: repo.account, repositoryName: name, lifecyclePolicyText: text, status: "IN_PROGRESS" };
    },

    GetLifecyclePolicyPreview: (input: GetLifecyclePolicyPreviewRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const repo = store.requireRepository(ctx, name);
      const preview = previews.get(repo, clock.now());
      if (!preview) throw previewNotFound(name, repo.account);
      if (input.imageIds?.length && (input.maxResults !== undefined || input.nextToken !== undefined)) {
        throw invalidParameter("maxResults and nextToken cannot be used together with imageIds.");
      }
      const positions = preview.entries.map((entry, i) => ({ entry, i }));
      const wanted = positions.filter(({ entry }) => keepsStatus(entry, input.filter?.tagStatus) && inImageIds(entry, input.imageIds));
      const { page, nextToken } = paginate(wanted, ({ i }) => [i], { nextToken: input.nextToken, limit: input.maxResults ?? DEFAULT_PREVIEW_PAGE });
      return {
        registryId: repo.account,
        repositoryName: name,
        lifecyclePolicyText: preview.text,
        status: "COMPLETE",
        previewResults: page.map(({ entry }) => presentEntry(entry)),
        nextToken,
        summary: summaryOf(preview.entries),
      };
    },
  };
}

const evaluatedAt = (s: StoredLifecyclePolicy) => (s.lastEvaluatedAt === undefined ? undefined : new Date(s.lastEvaluatedAt));

function keepsStatus(e: PreviewEntry, status: string | undefined): boolean {
  if (status === "TAGGED") return e.tags.length > 0;
  if (status === "UNTAGGED") return e.tags.length === 0;
  return true;
}

/** An entry named by any of the identifiers (by digest, or by one of its tags). */
function inImageIds(e: PreviewEntry, ids: ImageIdentifier[] | undefined): boolean {
  if (!ids?.length) return true;
  return ids.some((id) => (id.imageDigest === undefined || id.imageDigest === e.digest) && (id.imageTag === undefined || e.tags.includes(id.imageTag)) &&
    (id.imageDigest !== undefined || id.imageTag !== undefined));
}

function presentEntry(e: PreviewEntry): LifecyclePolicyPreviewResult {
  return {
    imageDigest: e.digest,
    imageTags: e.tags.length ? e.tags : undefined,
    imagePushedAt: e.pushedAt,
    action: e.action === "transition" ? { type: "TRANSITION", targetStorageClass: "ARCHIVE" } : { type: "EXPIRE" },
    appliedRulePriority: e.rulePriority,
    storageClass: e.storageClass === "archive" ? "ARCHIVE" : "STANDARD",
  };
}

/** How many images the preview expires, and how many it moves to each storage class (only the archive). */
function summaryOf(entries: PreviewEntry[]): LifecyclePolicyPreviewSummary {
  const transitioning = entries.filter((e) => e.action === "transition").length;
  return {
    expiringImageTotalCount: entries.length - transitioning,
    ...(transitioning ? { transitioningImageTotalCounts: [{ targetStorageClass: "ARCHIVE", imageTotalCount: transitioning }] } : {}),
  };
}
