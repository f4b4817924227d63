import type { AddTagsInput, DescribeTagsInput, RemoveTagsInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import { parseArn, type Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { Elbv2Deps } from "../deps.js";
import { listenerNotFound, loadBalancerNotFound, ruleNotFound, targetGroupNotFound, validation } from "../errors.js";
import { addTags, checkTags, removeTagKeys, tagsOf } from "./tag-store.js";

/** Which table holds each taggable resource type, and the error a missing one of that type gets. */
const kinds = {
  loadbalancer: { sql: "SELECT 1 FROM elb_load_balancers WHERE arn = ?", notFound: loadBalancerNotFound },
  targetgroup: { sql: "SELECT 1 FROM elb_target_groups WHERE arn = ?", notFound: targetGroupNotFound },
  listener: { sql: "SELECT 1 FROM elb_listeners WHERE arn = ?", notFound: listenerNotFound },
  "listener-rule": { sql: "SELECT 1 FROM elb_rules WHERE arn = ?", notFound: ruleNotFound },
} as const;

function requireResource(db: Db, scope: Scope, arn: string): void {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== "elasticloadbalancing" || !Object.hasOwn(kinds, parsed.type)) throw validation(`'${arn}' is not a valid resource ARN`);
  const kind = kinds[parsed.type as keyof typeof kinds];
  if (parsed.account !== scope.account || parsed.region !== scope.region || !db.prepare(kind.sql).get(arn)) throw kind.notFound();
}

export function tagHandlers({ db }: Elbv2Deps): Record<string, Handler> {
  return {
    AddTags: (input: AddTagsInput, ctx: RequestContext) =>
      db.transaction(() => {
        checkTags(input.Tags);
        for (const arn of input.ResourceArns ?? []) requireResource(db, ctx, arn);
        for (const arn of input.ResourceArns ?? []) addTags(db, arn, input.Tags);
        return {};
      })(),
    RemoveTags: (input: RemoveTagsInput, ctx: RequestContext) =>
      db.transaction(() => {
        for (const arn of input.ResourceArns ?? []) requireResource(db, ctx, arn);
        for (const arn of input.ResourceArns ?? []) removeTagKeys(db, arn, input.TagKeys ?? []);
        return {};
      })(),
    DescribeTags: (input: DescribeTagsInput, ctx: RequestContext) => {
      const arns = input.ResourceArns ?? [];
      if (arns.length > 20) throw validation("At most 20 resource ARNs can be specified");
      for (const arn of arns) requireResource(db, ctx, arn);
      return { TagDescriptions: arns.map((ResourceArn) => ({ ResourceArn, Tags: tagsOf(db, ResourceArn) })) };
    },
  };
}
