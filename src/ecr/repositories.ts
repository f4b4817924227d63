import type {
  CreateRepositoryRequest, DeleteRepositoryRequest, DescribeRepositoriesRequest, Repository,
} from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { RepositorySettings } from "../registry/registry-store.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { presentRepository } from "./present.js";
import { dropTags, putTags, validateTags } from "./tags.js";
import { awsManagedEcrKeyArn } from "./managed-key.js";
import { inRegistry } from "./registry-id.js";

const DEFAULT_PAGE = 100;
const WITH_EXCLUSION = new Set(["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"]);

function settingsOf(input: CreateRepositoryRequest, ctx: RequestContext): Partial<RepositorySettings> {
  const mutability = input.imageTagMutability ?? "MUTABLE";
  const filters = input.imageTagMutabilityExclusionFilters;
  if (WITH_EXCLUSION.has(mutability) && !filters?.length) {
    throw invalidParameter(`imageTagMutabilityExclusionFilters are required when imageTagMutability is ${mutability}.`);
  }
  if (!WITH_EXCLUSION.has(mutability) && filters?.length) {
    throw invalidParameter("imageTagMutabilityExclusionFilters can only be used with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.");
  }
  const enc = input.encryptionConfiguration;
  if (enc?.kmsKey !== undefined && enc.encryptionType === "AES256") {
    throw invalidParameter("A KMS key can only be specified when encryptionType is KMS or KMS_DSSE.");
  }
  const settings: Partial<RepositorySettings> = {
    imageTagMutability: mutability,
    imageScanningConfiguration: { scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false },
    encryptionConfiguration: encryptionOf(enc, ctx),
  };
  if (filters?.length) settings.imageTagMutabilityExclusionFilters = filters.map((f) => ({ filterType: f.filterType!, filter: f.filter! }));
  return settings;
}

/**
 * KMS without a key is ECR's AWS managed key (alias aws/ecr), which ECR reports by its key ARN;
 * KMS_DSSE likewise. AES256 has no key.
 */
function encryptionOf(enc: CreateRepositoryRequest["encryptionConfiguration"], ctx: RequestContext): RepositorySettings["encryptionConfiguration"] {
  if (!enc) return { encryptionType: "AES256" };
  const type = enc.encryptionType!;
  if (type === "AES256") return { encryptionType: type };
  return { encryptionType: type, kmsKey: enc.kmsKey || awsManagedEcrKeyArn(ctx.account, ctx.region) };
}

/** Opaque to clients; the name the next page starts after. */
const encodeToken = (name: string) => Buffer.from(JSON.stringify({ after: name })).toString("base64url");
function decodeToken(token: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof after === "string") return after;
  } catch {
    /* fall through */
  }
  throw invalidParameter("Invalid parameter at 'nextToken': the token is not one this service issued.");
}

export function repositoryHandlers({ db, store, registryHost }: EcrDeps): Record<string, Handler> {
  return {
    CreateRepository: (input: CreateRepositoryRequest, ctx: RequestContext) => {
      if (input.registryId !== undefined && input.registryId !== ctx.account) {
        throw invalidParameter(`Invalid parameter at 'registryId': Berth creates repositories only in the caller's registry (${ctx.account}).`);
      }
      validateTags(input.tags);
      const settings = settingsOf(input, ctx);
      const repo = db.transaction(() => {
        const created = store.createRepository(ctx, input.repositoryName!, settings);
        putTags(db, created.arn, input.tags);
        return created;
      })();
      return { repository: presentRepository(repo, registryHost()) };
    },

    DescribeRepositories: (input: DescribeRepositoriesRequest, ctx: RequestContext) => {
      ctx = inRegistry(ctx, input.registryId);
      const host = registryHost();
      if (input.repositoryNames?.length) {
        if (input.nextToken !== undefined || input.maxResults !== undefined) {
          throw invalidParameter("repositoryNames cannot be used together with maxResults or nextToken.");
        }
        // As ECR: one missing name fails the whole call.
        const repositories: Repository[] = input.repositoryNames.map((name) => presentRepository(store.requireRepository(ctx, name), host));
        return { repositories };
      }
      const limit = input.maxResults ?? DEFAULT_PAGE;
      const after = input.nextToken === undefined ? undefined : decodeToken(input.nextToken);
      const page = store.listRepositories(ctx, { after, limit: limit + 1 });
      const repositories = page.slice(0, limit).map((r) => presentRepository(r, host));
      return { repositories, nextToken: page.length > limit ? encodeToken(page[limit - 1]!.name) : undefined };
    },

    DeleteRepository: async (input: DeleteRepositoryRequest, ctx: RequestContext) => {
      ctx = inRegistry(ctx, input.registryId);
      const repo = await store.deleteRepository(ctx, input.repositoryName!, { force: input.force ?? false });
      dropTags(db, repo.arn);
      return { repository: presentRepository(repo, registryHost()) };
    },
  };
}
