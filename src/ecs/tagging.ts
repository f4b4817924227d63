import type { ListTagsForResourceRequest, TagResourceRequest, UntagResourceRequest } from "@aws-sdk/client-ecs";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { parseArn } from "../core/arn.js";
import { ServiceError } from "../core/errors.js";
import type { Db } from "../store/database.js";
import type { EcsDeps } from "./deps.js";
import { clusterNotFound, invalidParameter } from "./errors.js";
import { getTags, putTags, removeTags, validateTags } from "./tags.js";

/** Which table holds each taggable ECS resource type, and whether a row means it exists. */
const tables: Record<string, string> = {
  cluster: "SELECT 1 FROM clusters WHERE arn = ? AND status = 'ACTIVE'",
  "task-definition": "SELECT 1 FROM task_definitions WHERE arn = ? AND status != 'DELETE_IN_PROGRESS'",
  task: "SELECT 1 FROM tasks WHERE arn = ?",
  "container-instance": "SELECT 1 FROM container_instances WHERE arn = ? AND status != 'INACTIVE'",
  service: "SELECT 1 FROM services WHERE arn = ? AND status != 'INACTIVE'",
  "capacity-provider": "SELECT 1 FROM capacity_providers WHERE arn = ? AND status = 'ACTIVE'",
  daemon: "SELECT 1 FROM daemons WHERE arn = ? AND status = 'ACTIVE'",
  "daemon-task-definition": "SELECT 1 FROM daemon_task_definitions WHERE arn = ? AND status = 'ACTIVE'",
  // Task sets live in their service's document (task-set-model.ts).
  "task-set": "SELECT 1 FROM services s, json_each(s.doc, '$.taskSets') t WHERE json_extract(t.value, '$.taskSetArn') = ?",
};

function requireResource(db: Db, ctx: RequestContext, arn: string, notFound: () => ServiceError) {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== "ecs" || !(parsed.type in tables)) throw invalidParameter("The ARN provided is invalid.");
  const here = parsed.account === ctx.account && parsed.region === ctx.region;
  if (!here || !db.prepare(tables[parsed.type]!).get(arn)) throw parsed.type === "cluster" ? clusterNotFound() : notFound();
}

const resourceNotFound = () => new ServiceError("ResourceNotFoundException", "The specified resource could not be found.");
const invalidResource = () => invalidParameter("The specified resource could not be found.");

export function taggingHandlers({ db }: EcsDeps): Record<string, Handler> {
  return {
    TagResource: (input: TagResourceRequest, ctx: RequestContext) =>
      db.transaction(() => {
        requireResource(db, ctx, input.resourceArn!, resourceNotFound);
        validateTags(input.tags);
        putTags(db, input.resourceArn!, input.tags);
        return {};
      })(),
    UntagResource: (input: UntagResourceRequest, ctx: RequestContext) =>
      db.transaction(() => {
        requireResource(db, ctx, input.resourceArn!, resourceNotFound);
        removeTags(db, input.resourceArn!, input.tagKeys ?? []);
        return {};
      })(),
    ListTagsForResource: (input: ListTagsForResourceRequest, ctx: RequestContext) => {
      requireResource(db, ctx, input.resourceArn!, invalidResource);
      return { tags: getTags(db, input.resourceArn!) };
    },
  };
}
