import type { Attribute, DeleteAttributesRequest, ListAttributesRequest, PutAttributesRequest } from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { ServiceError } from "../../core/errors.js";
import { isArn } from "../../core/arn.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { instanceArnOf } from "./instance-refs.js";
import { findInstance, instanceAttributes, instancesOf, removeAttributes, saveInstance, setAttributes, type StoredInstance } from "./instance-store.js";
import { MAX_CUSTOM_ATTRIBUTES, isBuiltIn, validateAttribute } from "./instance-attributes.js";
import { paginate } from "../pagination.js";

const TARGET_TYPE = "container-instance";

const targetNotFound = () =>
  new ServiceError(
    "TargetNotFoundException",
    "The specified target wasn't found. You can view your available container instances with ListContainerInstances. Amazon ECS container instances are cluster-specific and Region-specific.",
  );
const limitExceeded = () =>
  new ServiceError(
    "AttributeLimitExceededException",
    "You can apply up to 10 custom attributes for each resource. You can view the attributes of a resource with ListAttributes. You can remove existing attributes on a resource with DeleteAttributes.",
  );

/** PutAttributes, DeleteAttributes and ListAttributes on container instances (ECS's only target type). */
export function attributeHandlers({ db }: EcsDeps): Record<string, Handler> {
  /** Checks each attribute and finds its target; all before anything changes. */
  function resolveTargets(ctx: RequestContext, clusterRef: string | undefined, attributes: Attribute[]) {
    if (attributes.length === 0) throw invalidParameter("Attributes cannot be empty.");
    if (attributes.length > 10) throw invalidParameter("attributes can have at most 10 items.");
    const cluster = requireActiveCluster(db, ctx, clusterRef);
    const clusterName = clusterNameOf(ctx, clusterRef);
    return attributes.map((a) => {
      validateAttribute(a);
      if (isBuiltIn(a.name!)) throw invalidParameter(`The attribute ${a.name} is set by Amazon ECS and cannot be changed.`);
      if (!a.targetId) throw invalidParameter(`The attribute ${a.name} must have a targetId.`);
      if (!isArn(a.targetId) && a.targetType === undefined) throw invalidParameter("targetType is required when targetId is not an ARN.");
      const arn = instanceArnOf(ctx, clusterName, a.targetId);
      const target = arn ? findInstance(db, arn) : undefined;
      if (!target || target.clusterArn !== cluster.clusterArn || target.instance.status === "INACTIVE") throw targetNotFound();
      return { attribute: { name: a.name!, value: a.value }, target };
    });
  }

  /** Applies `change` to each target once, bumping its version; the answer names targets by ARN. */
  function apply(ctx: RequestContext, resolved: ReturnType<typeof resolveTargets>, change: (arn: string, attrs: Attribute[]) => void): Attribute[] {
    const byTarget = new Map<string, { target: StoredInstance; attrs: Attribute[] }>();
    for (const { attribute, target } of resolved) {
      const arn = target.instance.containerInstanceArn!;
      const entry = byTarget.get(arn) ?? { target, attrs: [] };
      entry.attrs.push(attribute);
      byTarget.set(arn, entry);
    }
    for (const [arn, { target, attrs }] of byTarget) {
      change(arn, attrs);
      saveInstance(db, ctx, { ...target, instance: { ...target.instance, version: (target.instance.version ?? 0) + 1 } });
    }
    return resolved.map(({ attribute, target }) => ({ ...attribute, targetType: TARGET_TYPE, targetId: target.instance.containerInstanceArn }));
  }

  return {
    PutAttributes: (input: PutAttributesRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const resolved = resolveTargets(ctx, input.cluster, input.attributes ?? []);
        const attributes = apply(ctx, resolved, (arn, attrs) => {
          setAttributes(db, arn, attrs);
          if (instanceAttributes(db, arn).filter((a) => !isBuiltIn(a.name!)).length > MAX_CUSTOM_ATTRIBUTES) throw limitExceeded();
        });
        return { attributes };
      })(),

    DeleteAttributes: (input: DeleteAttributesRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const resolved = resolveTargets(ctx, input.cluster, input.attributes ?? []);
        return { attributes: apply(ctx, resolved, (arn, attrs) => removeAttributes(db, arn, attrs.map((a) => a.name!))) };
      })(),

    ListAttributes: (input: ListAttributesRequest, ctx: RequestContext) => {
      if (input.attributeValue !== undefined && input.attributeName === undefined) {
        throw invalidParameter("attributeName must be specified when attributeValue is.");
      }
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const all = instancesOf(db, ctx, cluster.clusterArn!, ["ACTIVE", "DRAINING"]).flatMap((s) =>
        instanceAttributes(db, s.instance.containerInstanceArn!).map((a) => ({ ...a, targetType: TARGET_TYPE, targetId: s.instance.containerInstanceArn })),
      );
      const matching = all.filter(
        (a) => (input.attributeName === undefined || a.name === input.attributeName) && (input.attributeValue === undefined || a.value === input.attributeValue),
      );
      const { page, nextToken } = paginate(matching, input);
      return { attributes: page, nextToken };
    },
  };
}
