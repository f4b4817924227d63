import type { ListTagsForResourceRequest, Tag, TagResourceRequest, UntagResourceRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { parseArn } from "../core/arn.js";
import { repositoryNotFound } from "../registry/errors.js";
import { isRepositoryName } from "../registry/names.js";
import type { Db } from "../store/database.js";
import type { EcrDeps } from "./deps.js";
import { invalidArn } from "./image-errors.js";
import { invalidTagParameter, tooManyTags } from "./errors.js";
import { putTags, validateTags } from "./tags.js";

const MAX_TAGS = 50;

/**
 * TagResource, UntagResource and ListTagsForResource for repository ARNs
 * (arn:aws:ecr:<region>:<account>:repository/<name>). An ARN of another account or region
 * names no repository the caller can see here (RepositoryNotFoundException, as ECR answers).
 */
export function taggingHandlers({ db, store }: EcrDeps): Record<string, Handler> {
  /** The repository's ARN as stored, or ECR's error for the ARN given. */
  function repositoryArnOf(ctx: RequestContext, resourceArn: string): string {
    const arn = parseArn(resourceArn);
    const name = arn?.path.join("/") ?? "";
    if (!arn || arn.service !== "ecr" || arn.type !== "repository" || !isRepositoryName(name)) throw invalidArn();
    if (arn.account !== ctx.account || arn.region !== ctx.region) throw repositoryNotFound(name, arn.account);
    return store.requireRepository(ctx, name).arn;
  }

  return {
    TagResource: (input: TagResourceRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const arn = repositoryArnOf(ctx, input.resourceArn!);
        validateTags(input.tags);
        const keys = new Set([...listTags(db, arn).map((t) => t.Key), ...(input.tags ?? []).map((t) => t.Key)]);
        if (keys.size > MAX_TAGS) throw tooManyTags(`A resource can have at most ${MAX_TAGS} tags.`);
        putTags(db, arn, input.tags);
        return {};
      })(),

    UntagResource: (input: UntagResourceRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const arn = repositoryArnOf(ctx, input.resourceArn!);
        for (const key of input.tagKeys ?? []) {
          if (!key || key.length > 128) throw invalidTagParameter("Tag keys must be 1 to 128 characters long.");
          if (/^aws:/i.test(key)) throw invalidTagParameter("Tag keys must not begin with 'aws:', which is reserved for AWS use.");
        }
        const drop = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
        for (const key of input.tagKeys ?? []) drop.run(arn, key);
        return {};
      })(),

    ListTagsForResource: (input: ListTagsForResourceRequest, ctx: RequestContext) => ({ tags: listTags(db, repositoryArnOf(ctx, input.resourceArn!)) }),
  };
}

function listTags(db: Db, arn: string): Tag[] {
  const rows = db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY key").all(arn) as Array<{ key: string; value: string }>;
  return rows.map((r) => ({ Key: r.key, Value: r.value }));
}
