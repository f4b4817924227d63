import type {
  CapacityProvider, CapacityProviderStrategyItem, Cluster, DescribeCapacityProvidersRequest, Failure, PutClusterCapacityProvidersRequest,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { parseArn, type Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import type { Db } from "../../store/database.js";
import type { EcsDeps } from "../deps.js";
import { invalidParameter } from "../errors.js";
import { notAssociated } from "../tasks/launch-options.js";
import { requireActiveCluster, saveCluster } from "../clusters/cluster-store.js";
import { paginate } from "../pagination.js";
import { findService, serviceArnsOf } from "../services/service-store.js";
import { findProvider, storedProviders, clustersUsing } from "./capacity-provider-store.js";
import { getTags } from "../tags.js";
import { FARGATE_PROVIDERS, isFargateProvider, validateStrategy } from "./capacity-provider-split.js";
import { presentCluster } from "../clusters/clusters.js";

export const capacityProviderArn = ({ region, account }: Scope, name: string) => `arn:aws:ecs:${region}:${account}:capacity-provider/${name}`;

/** A provider named by its short name or its ARN (in this account and region); undefined if the ARN is another's. */
export function providerNameOf(scope: Scope, ref: string): string | undefined {
  if (!ref.startsWith("arn:")) return ref;
  const arn = parseArn(ref);
  if (!arn || arn.service !== "ecs" || arn.type !== "capacity-provider" || arn.path.length !== 1) return undefined;
  if (arn.account !== scope.account || arn.region !== scope.region) return undefined;
  return arn.path[0];
}

/** FARGATE and FARGATE_SPOT as ECS describes them: ACTIVE, no auto scaling group, no tags. */
const builtIn = (scope: Scope, name: string): CapacityProvider => ({ capacityProviderArn: capacityProviderArn(scope, name), name, status: "ACTIVE", type: name as CapacityProvider["type"], tags: [] });

/** Every provider of this account and region, in the order DescribeCapacityProviders lists them (INACTIVE ones too, as ECS shows them a while). */
export function allProviders(db: Db, scope: Scope): CapacityProvider[] {
  return [...FARGATE_PROVIDERS.map((n) => builtIn(scope, n)), ...storedProviders(db, scope)];
}

/** A provider a cluster can take: built in, or created and ACTIVE. */
export const providerExists = (db: Db, scope: Scope, name: string) => isFargateProvider(name) || findProvider(db, scope, name)?.status === "ACTIVE";

/**
 * The cluster's providers and default strategy as CreateCluster and PutClusterCapacityProviders
 * check them: every provider exists, and the default strategy only names providers of the list.
 */
export function checkClusterProviders(db: Db, scope: Scope, providers: string[], strategy: CapacityProviderStrategyItem[]): void {
  for (const p of providers) {
    if (!providerExists(db, scope, p)) throw invalidParameter(`The specified capacity provider '${p}' does not exist. Specify a valid name or ARN and try again.`);
  }
  if (new Set(providers).size !== providers.length) throw invalidParameter("The capacity providers list contains duplicate capacity providers.");
  validateStrategy(strategy);
  if (strategy.some((s) => !providers.includes(s.capacityProvider!))) throw notAssociated();
}

/** Services of the cluster (ACTIVE or DRAINING) whose strategy names the provider. */
function usedByService(db: Db, scope: Scope, cluster: Cluster, provider: string): boolean {
  return serviceArnsOf(db, scope, cluster.clusterArn!).some((arn) => findService(db, arn)?.service.capacityProviderStrategy?.some((s) => s.capacityProvider === provider));
}

export function capacityProviderHandlers({ db }: EcsDeps): Record<string, Handler> {
  return {
    PutClusterCapacityProviders: (input: PutClusterCapacityProvidersRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const cluster = requireActiveCluster(db, ctx, input.cluster);
        const providers = (input.capacityProviders ?? []).map((p) => providerNameOf(ctx, p) ?? p);
        const strategy = (input.defaultCapacityProviderStrategy ?? []).map((s) => ({ ...s, capacityProvider: providerNameOf(ctx, s.capacityProvider!) ?? s.capacityProvider }));
        checkClusterProviders(db, ctx, providers, strategy);
        // An Auto Scaling group provider belongs to one cluster at a time, as in ECS.
        for (const p of providers.filter((n) => !isFargateProvider(n))) {
          if (clustersUsing(db, ctx, p).some((arn) => arn !== cluster.clusterArn)) throw invalidParameter(`The capacity provider ${p} is already associated with another cluster.`);
        }
        // As ECS: a provider a service's strategy uses cannot leave the cluster.
        for (const removed of (cluster.capacityProviders ?? []).filter((p) => !providers.includes(p))) {
          if (usedByService(db, ctx, cluster, removed)) throw new ServiceError("ResourceInUseException", "The specified capacity provider is in use and cannot be removed.");
        }
        const updated: Cluster = {
          ...cluster,
          capacityProviders: providers,
          defaultCapacityProviderStrategy: strategy.map((s) => ({ capacityProvider: s.capacityProvider, weight: s.weight ?? 0, base: s.base ?? 0 })),
        };
        saveCluster(db, ctx, updated);
        return { cluster: presentCluster(db, ctx, updated) };
      })(),

    DescribeCapacityProviders: (input: DescribeCapacityProvidersRequest, ctx: RequestContext) => {
      const all = allProviders(db, ctx);
      const withTags = input.include?.includes("TAGS") ?? false;
      const show = (p: CapacityProvider): CapacityProvider => (isFargateProvider(p.name) ? p : { ...p, tags: withTags ? getTags(db, p.capacityProviderArn!) : undefined });
      if (!input.capacityProviders?.length) {
        const { page, nextToken } = paginate(all, input, { defaultMax: 10, limit: 10 });
        return { capacityProviders: page.map(show), failures: [], nextToken };
      }
      if (input.capacityProviders.length > 100) throw invalidParameter("capacityProviders can have at most 100 items.");
      const found: CapacityProvider[] = [];
      const failures: Failure[] = [];
      for (const ref of input.capacityProviders) {
        const name = providerNameOf(ctx, ref);
        const p = name === undefined ? undefined : all.find((c) => c.name === name);
        if (p) found.push(show(p));
        else failures.push({ arn: ref.startsWith("arn:") ? ref : capacityProviderArn(ctx, ref), reason: "MISSING" });
      }
      const { page, nextToken } = paginate(found, input, { defaultMax: 10, limit: 10 });
      return { capacityProviders: page, failures, nextToken };
    },
  };
}
