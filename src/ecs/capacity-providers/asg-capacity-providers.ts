import type {
  AutoScalingGroupProvider, CapacityProvider, CreateCapacityProviderRequest, DeleteCapacityProviderRequest, ManagedScaling, UpdateCapacityProviderRequest,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { createHash } from "node:crypto";
import { parseArn, type Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import type { EcsDeps } from "../deps.js";
import { clientException, invalidParameter } from "../errors.js";
import { dropAllTags, getTags, putTags, validateTags } from "../tags.js";
import { clustersUsing, findProvider, saveProvider, storedProviders } from "./capacity-provider-store.js";
import { capacityProviderArn, providerNameOf } from "./capacity-providers.js";

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** ECS's defaults for managed scaling when a member (or the whole object) is left out. */
function managedScaling(given: ManagedScaling | undefined, current?: ManagedScaling): ManagedScaling {
  const m: ManagedScaling = {
    status: "DISABLED", targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300,
    ...current,
    ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)),
  };
  if (m.targetCapacity! < 1 || m.targetCapacity! > 100) throw invalidParameter("targetCapacity must be between 1 and 100.");
  if (m.minimumScalingStepSize! < 1 || m.minimumScalingStepSize! > 10000) throw invalidParameter("minimumScalingStepSize must be between 1 and 10000.");
  if (m.maximumScalingStepSize! < 1 || m.maximumScalingStepSize! > 10000) throw invalidParameter("maximumScalingStepSize must be between 1 and 10000.");
  if (m.minimumScalingStepSize! > m.maximumScalingStepSize!) throw invalidParameter("minimumScalingStepSize must be less than or equal to maximumScalingStepSize.");
  if (m.instanceWarmupPeriod! < 0 || m.instanceWarmupPeriod! > 10000) throw invalidParameter("instanceWarmupPeriod must be between 0 and 10000.");
  return m;
}

/** Termination protection keeps instances with tasks; it needs managed scaling to decide what to remove. */
function checkProtection(p: AutoScalingGroupProvider) {
  if (p.managedTerminationProtection === "ENABLED" && p.managedScaling?.status !== "ENABLED") {
    throw invalidParameter("The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must be enabled.");
  }
}

const invalidGroup = () => invalidParameter("The specified Auto Scaling group ARN is not valid. Specify a valid Auto Scaling group ARN and try again.");

/**
 * The group's ARN from what CreateCapacityProvider was given: ECS takes the group's ARN or its
 * name. Berth has no EC2 Auto Scaling to look a name up in, so a name gets the ARN such a group
 * would have, its id made from the account, region and name (the same name, the same ARN).
 */
function autoScalingGroupArnOf(given: string, scope: Scope): string {
  if (given.startsWith("arn:")) {
    const arn = parseArn(given);
    if (!arn || arn.service !== "autoscaling" || arn.type.split(":")[0] !== "autoScalingGroup" || !groupNameOf(given)) throw invalidGroup();
    return given;
  }
  // Auto Scaling group names: 1 to 255 characters; a colon would make the ARN ambiguous.
  if (!/^[^:]{1,255}$/.test(given) || given.trim() !== given) throw invalidGroup();
  const h = createHash("sha256").update(`${scope.account}:${scope.region}:${given}`).digest("hex");
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:autoscaling:${scope.region}:${scope.account}:autoScalingGroup:${id}:autoScalingGroupName/${given}`;
}

/** The group name an Auto Scaling group ARN ends with. */
const groupNameOf = (arn: string | undefined) => /:autoScalingGroupName\/(.+)$/.exec(arn ?? "")?.[1];

const notFound = () => new ServiceError("ResourceNotFoundException", "The specified capacity provider does not exist. Specify a valid name or ARN and try again.");

/**
 * CreateCapacityProvider, UpdateCapacityProvider and DeleteCapacityProvider for Auto Scaling group
 * providers. Berth has no EC2 Auto Scaling: the group's ARN is kept as given and the group is a
 * pool of virtual instances (see docs/compatibility.md, "ECS: capacity providers").
 */
export function asgCapacityProviderHandlers({ db }: EcsDeps): Record<string, Handler> {
  return {
    CreateCapacityProvider: (input: CreateCapacityProviderRequest, ctx: RequestContext) => {
      const name = input.name ?? "";
      if (!NAME.test(name)) throw invalidParameter("The capacity provider name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.");
      if (/^(aws|ecs|fargate)/i.test(name)) throw invalidParameter("The capacity provider name cannot begin with 'aws', 'ecs', or 'fargate'.");
      if (input.managedInstancesProvider) throw invalidParameter("Managed instances capacity providers are not supported by Berth.");
      const asg = input.autoScalingGroupProvider;
      if (!asg) throw invalidParameter("An autoScalingGroupProvider must be specified.");
      const groupArn = autoScalingGroupArnOf(asg.autoScalingGroupArn ?? "", ctx);
      validateTags(input.tags);
      return db.transaction(() => {
        const existing = findProvider(db, ctx, name);
        if (existing && existing.status !== "INACTIVE") throw clientException(`The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.`);
        if (storedProviders(db, ctx).some((p) => p.status !== "INACTIVE" && groupNameOf(p.autoScalingGroupProvider?.autoScalingGroupArn) === groupNameOf(groupArn))) {
          throw invalidParameter("The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a different Auto Scaling group and try again.");
        }
        const provider: CapacityProvider = {
          capacityProviderArn: capacityProviderArn(ctx, name),
          name,
          status: "ACTIVE",
          type: "EC2_AUTOSCALING",
          autoScalingGroupProvider: {
            autoScalingGroupArn: groupArn,
            managedScaling: managedScaling(asg.managedScaling),
            managedTerminationProtection: asg.managedTerminationProtection ?? "DISABLED",
            managedDraining: asg.managedDraining ?? "ENABLED",
          },
        };
        checkProtection(provider.autoScalingGroupProvider!);
        saveProvider(db, ctx, provider);
        // A provider created again under an INACTIVE one's name starts without its tags.
        dropAllTags(db, provider.capacityProviderArn!);
        putTags(db, provider.capacityProviderArn!, input.tags);
        return { capacityProvider: { ...provider, tags: getTags(db, provider.capacityProviderArn!) } };
      })();
    },

    UpdateCapacityProvider: (input: UpdateCapacityProviderRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const name = providerNameOf(ctx, input.name ?? "");
        const current = name === undefined ? undefined : findProvider(db, ctx, name);
        if (!current || current.status !== "ACTIVE") throw notFound();
        const given = input.autoScalingGroupProvider ?? {};
        const asg: AutoScalingGroupProvider = {
          ...current.autoScalingGroupProvider!,
          managedScaling: managedScaling(given.managedScaling, current.autoScalingGroupProvider!.managedScaling),
          managedTerminationProtection: given.managedTerminationProtection ?? current.autoScalingGroupProvider!.managedTerminationProtection,
          managedDraining: given.managedDraining ?? current.autoScalingGroupProvider!.managedDraining,
        };
        checkProtection(asg);
        const updated: CapacityProvider = { ...current, autoScalingGroupProvider: asg, updateStatus: "UPDATE_COMPLETE" };
        saveProvider(db, ctx, updated);
        return { capacityProvider: { ...updated, tags: getTags(db, updated.capacityProviderArn!) } };
      })(),

    DeleteCapacityProvider: (input: DeleteCapacityProviderRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const name = providerNameOf(ctx, input.capacityProvider ?? "");
        if (name === "FARGATE" || name === "FARGATE_SPOT") throw invalidParameter("The FARGATE and FARGATE_SPOT capacity providers are reserved and cannot be deleted.");
        const current = name === undefined ? undefined : findProvider(db, ctx, name);
        if (!current || current.status === "INACTIVE") throw notFound();
        // As ECS: a provider must leave every cluster (and so every strategy) before it can go.
        if (clustersUsing(db, ctx, current.name!).length) {
          throw new ServiceError("ResourceInUseException", "The specified capacity provider is in use and cannot be removed. Remove it from the cluster's capacity providers first.");
        }
        // Berth's pool has nothing left to drain once the provider is in no cluster: the delete is
        // complete at once. The answer shows the step ECS reports first.
        saveProvider(db, ctx, { ...current, status: "INACTIVE", updateStatus: "DELETE_COMPLETE" });
        return { capacityProvider: { ...current, status: "DELETE_IN_PROGRESS" as CapacityProvider["status"], updateStatus: "DELETE_IN_PROGRESS", tags: getTags(db, current.capacityProviderArn!) } };
      })(),
  };
}
