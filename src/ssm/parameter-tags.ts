import type { AddTagsToResourceRequest, ListTagsForResourceRequest, RemoveTagsFromResourceRequest, Tag } from "@aws-sdk/client-ssm";
import { ServiceError } from "../core/errors.js";
import type { Db } from "../store/database.js";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { latest, type ParameterDeps } from "./parameter-store.js";
import { parameterArn } from "./parameter-names.js";

/** A parameter's tags ({Key, Value}) in the shared tags table, by the parameter's ARN. Parameters are the only taggable resource Berth's SSM has. */
const MAX_TAGS = 50;

export function putParameterTags(db: Db, arn: string, tags: Tag[]): void {
  for (const t of tags) if (/^aws:/i.test(t.Key ?? "")) throw new ServiceError("InvalidTag", "Tag keys beginning with aws: are reserved for AWS use.");
  const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const t of tags) stmt.run(arn, t.Key, t.Value ?? "");
  if ((db.prepare("SELECT count(*) AS n FROM tags WHERE arn = ?").get(arn) as { n: number }).n > MAX_TAGS) {
    throw new ServiceError("TooManyTagsError", "The Targets parameter includes too many tags. Remove one or more tags and try the request again.");
  }
}

export const parameterTags = (db: Db, arn: string): Tag[] =>
  (db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY key").all(arn) as Array<{ key: string; value: string }>).map((t) => ({ Key: t.key, Value: t.value }));

export function tagHandlers({ db }: ParameterDeps): Record<string, Handler> {
  /** The tagged parameter's ARN; other resource types are not served, an unknown parameter is InvalidResourceId. */
  function target(ctx: RequestContext, type: string | undefined, id: string | undefined): string {
    if (type !== "Parameter") throw new ServiceError("InvalidResourceType", `The resource type ${type} is not supported by Berth's Systems Manager; only Parameter is.`);
    if (!latest(db, ctx, id ?? "")) throw new ServiceError("InvalidResourceId", "The resource ID is not valid. Verify that you entered the correct ID and try again.");
    return parameterArn(ctx.account, ctx.region, id!);
  }
  const AddTagsToResource: Handler = (input: AddTagsToResourceRequest, ctx) =>
    db.transaction(() => {
      putParameterTags(db, target(ctx, input.ResourceType, input.ResourceId), input.Tags ?? []);
      return {};
    })();
  const ListTagsForResource: Handler = (input: ListTagsForResourceRequest, ctx) => ({ TagList: parameterTags(db, target(ctx, input.ResourceType, input.ResourceId)) });
  const RemoveTagsFromResource: Handler = (input: RemoveTagsFromResourceRequest, ctx) => {
    const arn = target(ctx, input.ResourceType, input.ResourceId);
    const stmt = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
    for (const k of input.TagKeys ?? []) stmt.run(arn, k);
    return {};
  };
  return { AddTagsToResource, ListTagsForResource, RemoveTagsFromResource };
}
