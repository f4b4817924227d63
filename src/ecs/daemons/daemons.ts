import type {
  CreateDaemonRequest, DeleteDaemonRequest, DescribeDaemonDeploymentsRequest, DescribeDaemonRequest, DescribeDaemonRevisionsRequest,
  Failure, ListDaemonDeploymentsRequest, ListDaemonsRequest, UpdateDaemonRequest, DaemonDeploymentConfiguration, DaemonPropagateTags, Cluster,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { newUuid } from "../../core/ids.js";
import type { EcsDeps } from "../deps.js";
import { clientException, invalidParameter } from "../errors.js";
import { requireActiveCluster, clusterNameOf } from "../clusters/cluster-store.js";
import { findProvider } from "../capacity-providers/capacity-provider-store.js";
import { isFargateProvider } from "../capacity-providers/capacity-provider-split.js";
import { validateTags, putTags } from "../tags.js";
import { paginate } from "../pagination.js";
import { recall, remember } from "../idempotency.js";
import { resolveDaemonTaskDefinition } from "./daemon-task-definitions.js";
import { daemonInstances, providerNameOf } from "./daemon-instances.js";
import { finish } from "./daemon-rollout.js";
import { circuitBreakerThreshold } from "../services/deployment-rules.js";
import {
  daemonArn, daemonDeploymentArn, daemonRevisionArn, daemonsIn, deploymentsOf, findDaemon, findDeployment, findRevision, liveDaemonTasks,
  daemonNotActive, requireDaemon, saveDaemon, saveDeployment, saveRevision, type StoredDaemon, type StoredDeployment,
} from "./daemon-store.js";
import { presentDaemon, presentDeployment, presentRevision } from "./daemon-view.js";

/** Told when a daemon changes, so that its tasks follow at once rather than on the next round. */
export interface DaemonScheduler {
  poke(): void;
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** The deployments that a newer one, or the daemon's deletion, stops. */
const ONGOING = new Set(["PENDING", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS"]);

/** The deployment configuration with ECS's defaults (drain 25 %, no bake time, no alarms), checked. */
function deploymentConfigurationOf(c: DaemonDeploymentConfiguration | undefined, previous?: DaemonDeploymentConfiguration): DaemonDeploymentConfiguration {
  const merged = { drainPercent: 25, bakeTimeInMinutes: 0, ...previous, ...c };
  if (merged.drainPercent < 0 || merged.drainPercent > 100) throw invalidParameter("drainPercent must be between 0 and 100.");
  if (!Number.isInteger(merged.bakeTimeInMinutes) || merged.bakeTimeInMinutes < 0 || merged.bakeTimeInMinutes > 1440) throw invalidParameter("bakeTimeInMinutes must be between 0 and 1440.");
  return merged;
}

/** The capacity providers a daemon may run on: existing, not Fargate, and associated with the cluster. */
function checkProviders(db: Db, scope: Scope, cluster: Cluster, arns: string[] | undefined): string[] {
  if (!arns || arns.length === 0) throw invalidParameter("capacityProviderArns must contain at least one capacity provider.");
  if (new Set(arns.map(providerNameOf)).size !== arns.length) throw invalidParameter("The capacity providers list contains duplicate capacity providers.");
  return arns.map((ref) => {
    const name = providerNameOf(ref);
    if (isFargateProvider(name)) throw invalidParameter("ECS Managed Daemons is only supported for Amazon ECS Managed Instances Capacity Providers.");
    const provider = findProvider(db, scope, name);
    if (!provider || provider.status !== "ACTIVE") throw invalidParameter(`The specified capacity provider '${ref}' does not exist. Specify a valid name or ARN and try again.`);
    if (!(cluster.capacityProviders ?? []).includes(name)) throw invalidParameter(`The specified capacity provider '${ref}' is not associated with the cluster.`);
    return provider.capacityProviderArn!;
  });
}

function checkTaskDefinition(db: Db, scope: Scope, ref: string | undefined) {
  const def = ref ? resolveDaemonTaskDefinition(db, scope, ref) : undefined;
  if (!def || def.status !== "ACTIVE") throw clientException("The specified daemon task definition does not exist.");
  return def;
}

function checkPropagateTags(p: string | undefined): DaemonPropagateTags {
  if (p !== undefined && p !== "DAEMON" && p !== "NONE") throw invalidParameter("propagateTags must be one of DAEMON, NONE.");
  return (p ?? "NONE") as DaemonPropagateTags;
}

/**
 * A new revision of the daemon and the deployment that rolls it out; the deployment it
 * supersedes, if still running, is stopped, as a new service deployment stops the one before.
 */
function deploy(db: Db, scope: Scope, now: Date, d: Omit<StoredDaemon, "revisionArn" | "deploymentArn">, input: {
  daemonTaskDefinitionArn: string; capacityProviderArns: string[]; enableECSManagedTags?: boolean; enableExecuteCommand?: boolean; propagateTags: DaemonPropagateTags;
  containerImages: Array<{ containerName?: string; image?: string }>;
}): StoredDaemon {
  const cluster = clusterNameOf(scope, d.clusterArn);
  const revisionArn = daemonRevisionArn(scope, cluster, d.daemonName, newUuid().replace(/-/g, "").slice(0, 20));
  saveRevision(db, scope, d.daemonArn, {
    daemonRevisionArn: revisionArn, daemonArn: d.daemonArn, clusterArn: d.clusterArn, createdAt: now,
    daemonTaskDefinitionArn: input.daemonTaskDefinitionArn, capacityProviderArns: input.capacityProviderArns,
    containerImages: input.containerImages, enableECSManagedTags: input.enableECSManagedTags ?? false,
    enableExecuteCommand: input.enableExecuteCommand ?? false, propagateTags: input.propagateTags,
  });
  for (const previous of deploymentsOf(db, d.daemonArn)) {
    if (ONGOING.has(previous.status!)) finish(db, scope, now, { ...previous, statusReason: "A newer deployment of the daemon superseded this deployment." }, "STOPPED");
  }
  const instances = daemonInstances(db, scope, d.clusterArn, input.capacityProviderArns);
  const sources = [...new Set(liveDaemonTasks(db, d.daemonArn).map((t) => t.revisionArn))];
  const deploymentArn = daemonDeploymentArn(scope, cluster, d.daemonName, newUuid().replace(/-/g, "").slice(0, 20));
  const deployment: StoredDeployment = {
    daemonArn: d.daemonArn, daemonDeploymentArn: deploymentArn, clusterArn: d.clusterArn, status: "IN_PROGRESS",
    createdAt: now, startedAt: now, deploymentConfiguration: d.deploymentConfiguration,
    sourceRevisionArns: sources, targetRevisionArn: revisionArn,
    // The circuit breaker always watches a daemon deployment (the model has no switch for it).
    circuitBreaker: { status: "MONITORING", failureCount: 0, threshold: circuitBreakerThreshold(instances.length) },
    alarms: d.deploymentConfiguration?.alarms?.enable
      ? { status: "MONITORING", alarmNames: d.deploymentConfiguration.alarms.alarmNames ?? [], triggeredAlarmNames: [] }
      : { status: "DISABLED" },
  };
  saveDeployment(db, scope, deployment);
  const daemon: StoredDaemon = { ...d, revisionArn, deploymentArn };
  saveDaemon(db, scope, daemon);
  return daemon;
}

const imagesOf = (def: { containerDefinitions?: Array<{ name?: string; image?: string }> }) =>
  (def.containerDefinitions ?? []).map((c) => ({ containerName: c.name, image: c.image }));

/** ECS's DescribeX batches take at most 100 ARNs, each answered or listed as a failure. */
function batch<T>(arns: string[] | undefined, field: string, find: (arn: string) => T | undefined): { found: T[]; failures: Failure[] } {
  if (!arns || arns.length === 0) throw invalidParameter(`${field} cannot be empty.`);
  if (arns.length > 100) throw invalidParameter(`${field} can have at most 100 items.`);
  const found: T[] = [];
  const failures: Failure[] = [];
  for (const arn of arns) {
    const item = find(arn);
    if (item) found.push(item);
    else failures.push({ arn, reason: "MISSING" });
  }
  return { found, failures };
}

export function daemonHandlers({ db, clock }: EcsDeps, scheduler: DaemonScheduler): Record<string, Handler> {
  const inScope = <T extends { daemonArn?: string }>(ctx: Scope, item: T | undefined) => (item && item.daemonArn?.includes(`:${ctx.region}:${ctx.account}:`) ? item : undefined);
  return {
    CreateDaemon: (input: CreateDaemonRequest, ctx: RequestContext) => {
      if (!input.daemonName || !NAME.test(input.daemonName)) throw invalidParameter("Daemon name can contain up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.");
      validateTags(input.tags);
      const propagateTags = checkPropagateTags(input.propagateTags);
      if (input.clientToken !== undefined && (input.clientToken.length < 1 || input.clientToken.length > 36)) throw invalidParameter("clientToken must be between 1 and 36 characters.");
      type Answer = { daemonArn: string; status: string; createdAt: string; deploymentArn: string };
      const answer = db.transaction((): Answer | StoredDaemon => {
        // The same clientToken with the same request answers with the daemon it created.
        const { hash, stored } = recall<Answer>(db, ctx, "CreateDaemon", input.clientToken, input);
        if (stored) return stored;
        const cluster = requireActiveCluster(db, ctx, input.clusterArn);
        const providers = checkProviders(db, ctx, cluster, input.capacityProviderArns);
        const def = checkTaskDefinition(db, ctx, input.daemonTaskDefinitionArn);
        const deploymentConfiguration = deploymentConfigurationOf(input.deploymentConfiguration);
        const arn = daemonArn(ctx, cluster.clusterName!, input.daemonName!);
        if (findDaemon(db, arn)) throw invalidParameter("Creation of daemon was not idempotent.");
        const now = clock.now();
        const daemon = deploy(db, ctx, now, { daemonArn: arn, daemonName: input.daemonName!, clusterArn: cluster.clusterArn!, status: "ACTIVE", createdAt: now, updatedAt: now, deploymentConfiguration }, {
          daemonTaskDefinitionArn: def.daemonTaskDefinitionArn!, capacityProviderArns: providers, enableECSManagedTags: input.enableECSManagedTags,
          enableExecuteCommand: input.enableExecuteCommand, propagateTags, containerImages: imagesOf(def),
        });
        putTags(db, arn, input.tags ?? []);
        remember(db, ctx, "CreateDaemon", input.clientToken, hash, { daemonArn: arn, status: daemon.status, createdAt: daemon.createdAt, deploymentArn: daemon.deploymentArn }, now);
        return daemon;
      })();
      scheduler.poke();
      return { daemonArn: answer.daemonArn, status: answer.status, createdAt: new Date(answer.createdAt), deploymentArn: answer.deploymentArn };
    },

    UpdateDaemon: (input: UpdateDaemonRequest, ctx: RequestContext) => {
      const propagateTags = checkPropagateTags(input.propagateTags);
      const updated = db.transaction(() => {
        const d = requireDaemon(db, ctx, input.daemonArn);
        if (d.status !== "ACTIVE") throw daemonNotActive();
        const cluster = requireActiveCluster(db, ctx, d.clusterArn);
        const providers = checkProviders(db, ctx, cluster, input.capacityProviderArns);
        const def = checkTaskDefinition(db, ctx, input.daemonTaskDefinitionArn);
        const deploymentConfiguration = deploymentConfigurationOf(input.deploymentConfiguration, d.deploymentConfiguration);
        const { revisionArn: _r, deploymentArn: _d, ...rest } = d;
        return deploy(db, ctx, clock.now(), { ...rest, updatedAt: clock.now(), deploymentConfiguration }, {
          daemonTaskDefinitionArn: def.daemonTaskDefinitionArn!, capacityProviderArns: providers, enableECSManagedTags: input.enableECSManagedTags,
          enableExecuteCommand: input.enableExecuteCommand, propagateTags, containerImages: imagesOf(def),
        });
      })();
      scheduler.poke();
      return { daemonArn: updated.daemonArn, status: updated.status, createdAt: updated.createdAt, updatedAt: updated.updatedAt, deploymentArn: updated.deploymentArn };
    },

    DeleteDaemon: (input: DeleteDaemonRequest, ctx: RequestContext) => {
      const deleted = db.transaction(() => {
        const d = requireDaemon(db, ctx, input.daemonArn);
        if (d.status !== "ACTIVE") throw daemonNotActive();
        const now = clock.now();
        for (const previous of deploymentsOf(db, d.daemonArn)) {
          if (ONGOING.has(previous.status!)) finish(db, ctx, now, { ...previous, statusReason: "The daemon was deleted." }, "STOPPED");
        }
        // The delete is a deployment of its own: from the running revisions to none.
        const deploymentArn = daemonDeploymentArn(ctx, clusterNameOf(ctx, d.clusterArn), d.daemonName, newUuid().replace(/-/g, "").slice(0, 20));
        saveDeployment(db, ctx, {
          daemonArn: d.daemonArn, daemonDeploymentArn: deploymentArn, clusterArn: d.clusterArn, status: "IN_PROGRESS", createdAt: now, startedAt: now,
          deploymentConfiguration: d.deploymentConfiguration, sourceRevisionArns: [...new Set(liveDaemonTasks(db, d.daemonArn).map((t) => t.revisionArn))],
          circuitBreaker: { status: "DISABLED", failureCount: 0, threshold: 0 }, alarms: { status: "DISABLED" },
        });
        const next: StoredDaemon = { ...d, status: "DELETE_IN_PROGRESS", updatedAt: now, deploymentArn };
        saveDaemon(db, ctx, next);
        return next;
      })();
      scheduler.poke();
      return { daemonArn: deleted.daemonArn, status: deleted.status, createdAt: deleted.createdAt, updatedAt: deleted.updatedAt, deploymentArn: deleted.deploymentArn };
    },

    DescribeDaemon: (input: DescribeDaemonRequest, ctx: RequestContext) => ({ daemon: presentDaemon(db, requireDaemon(db, ctx, input.daemonArn)) }),

    ListDaemons: (input: ListDaemonsRequest, ctx: RequestContext) => {
      let daemons = daemonsIn(db, ctx);
      if (input.clusterArn !== undefined) {
        const cluster = requireActiveCluster(db, ctx, input.clusterArn);
        daemons = daemons.filter((d) => d.clusterArn === cluster.clusterArn);
      }
      if (input.capacityProviderArns?.length) {
        const wanted = new Set(input.capacityProviderArns.map(providerNameOf));
        daemons = daemons.filter((d) => findRevision(db, d.revisionArn)?.capacityProviderArns.some((a) => wanted.has(providerNameOf(a))));
      }
      const { page, nextToken } = paginate(daemons, input);
      return { daemonSummariesList: page.map((d) => ({ daemonArn: d.daemonArn, status: d.status, createdAt: d.createdAt, updatedAt: d.updatedAt })), nextToken };
    },

    DescribeDaemonDeployments: (input: DescribeDaemonDeploymentsRequest, ctx: RequestContext) => {
      const { found, failures } = batch(input.daemonDeploymentArns, "daemonDeploymentArns", (arn) => inScope(ctx, findDeployment(db, arn)));
      return { daemonDeployments: found.map((d) => presentDeployment(db, d)), failures };
    },

    ListDaemonDeployments: (input: ListDaemonDeploymentsRequest, ctx: RequestContext) => {
      const d = requireDaemon(db, ctx, input.daemonArn);
      let deployments = deploymentsOf(db, d.daemonArn);
      if (input.status?.length) deployments = deployments.filter((x) => input.status!.includes(x.status!));
      const after = input.createdAt?.after;
      const before = input.createdAt?.before;
      if (after) deployments = deployments.filter((x) => x.createdAt! >= new Date(after));
      if (before) deployments = deployments.filter((x) => x.createdAt! <= new Date(before));
      const { page, nextToken } = paginate(deployments, input);
      return {
        daemonDeployments: page.map((x) => ({
          daemonDeploymentArn: x.daemonDeploymentArn, daemonArn: x.daemonArn, clusterArn: x.clusterArn, status: x.status, statusReason: x.statusReason,
          targetDaemonRevisionArn: x.targetRevisionArn, createdAt: x.createdAt, startedAt: x.startedAt, finishedAt: x.finishedAt, stoppedAt: x.stoppedAt,
        })),
        nextToken,
      };
    },

    DescribeDaemonRevisions: (input: DescribeDaemonRevisionsRequest, ctx: RequestContext) => {
      const { found, failures } = batch(input.daemonRevisionArns, "daemonRevisionArns", (arn) => inScope(ctx, findRevision(db, arn)));
      return { daemonRevisions: found.map(presentRevision), failures };
    },
  };
}
