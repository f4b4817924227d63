import type { RequestContext } from "../aws/request-context.js";
import type { Handler } from "../aws/service.js";
import type { Db } from "../store/database.js";
import { ServiceError } from "../core/errors.js";
import type { AasDeps } from "./deps.js";
import { resourceNotFound, validation } from "./errors.js";
import { findTargetByArn } from "./store.js";

/** At most 50 tags on a scalable target; keys starting with aws: are AWS's own. */
const MAX_TAGS = 50;

export function validateTags(tags: Record<string, string>): void {
  if (Object.keys(tags).some((k) => k.toLowerCase().startsWith("aws:"))) throw validation("Tag keys cannot start with the reserved prefix aws:");
}

const tagsOf = (db: Db, arn: string) =>
  Object.fromEntries((db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY key").all(arn) as { key: string; value: string }[]).map((r) => [r.key, r.value]));

export function putTags(db: Db, arn: string, tags: Record<string, string>): void {
  const merged = { ...tagsOf(db, arn), ...tags };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw new ServiceError("TooManyTagsException", `Resource ${arn} has too many tags. The maximum is ${MAX_TAGS}.`, true, { ResourceName: arn });
  }
  const put = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const [k, v] of Object.entries(tags)) put.run(arn, k, v);
}

export function tagHandlers({ db }: AasDeps): Record<string, Handler> {
  /** Only scalable targets take tags; one of another account or region is not found. */
  const requireTarget = (ctx: RequestContext, arn: string) => {
    const found = findTargetByArn(db, arn);
    if (!found || !arn.startsWith(`arn:aws:application-autoscaling:${ctx.region}:${ctx.account}:scalable-target/`)) {
      throw resourceNotFound(`Resource ${arn} does not exist`, arn);
    }
  };
  return {
    TagResource: (input: { ResourceARN: string; Tags: Record<string, string> }, ctx: RequestContext) => {
      validateTags(input.Tags);
      db.transaction(() => {
        requireTarget(ctx, input.ResourceARN);
        putTags(db, input.ResourceARN, input.Tags);
      })();
      return {};
    },
    UntagResource: (input: { ResourceARN: string; TagKeys: string[] }, ctx: RequestContext) => {
      db.transaction(() => {
        requireTarget(ctx, input.ResourceARN);
        const remove = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
        for (const k of input.TagKeys) remove.run(input.ResourceARN, k);
      })();
      return {};
    },
    ListTagsForResource: (input: { ResourceARN: string }, ctx: RequestContext) => {
      requireTarget(ctx, input.ResourceARN);
      return { Tags: tagsOf(db, input.ResourceARN) };
    },
  };
}
