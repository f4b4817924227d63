import type { DescribeImageReplicationStatusRequest, ImageReplicationStatus, ReplicationConfiguration } from "@aws-sdk/client-ecr";
import type { Logger } from "../core/logger.js";
import type { Scope } from "../core/arn.js";
import type { Db } from "../store/database.js";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { ManifestPutEvent, RegistryStore } from "../registry/registry-store.js";
import { createFromTemplate } from "./creation-templates.js";
import type { EcrDeps } from "./deps.js";
import { imageNotFound } from "./image-errors.js";
import { inRegistry } from "./registry-id.js";
import { readSetting } from "./registry-settings.js";

interface Destination { region: string; registryId: string }

/** The destinations the registry's rules send repository `name` to (a rule without filters takes every repository). */
export function destinationsFor(config: ReplicationConfiguration | undefined, name: string): Destination[] {
  const out = new Map<string, Destination>();
  for (const rule of config?.rules ?? []) {
    const filters = rule.repositoryFilters ?? [];
    if (filters.length && !filters.some((f) => f.filterType === "PREFIX_MATCH" && name.startsWith(f.filter!))) continue;
    for (const d of rule.destinations ?? []) out.set(`${d.registryId}/${d.region}`, { region: d.region!, registryId: d.registryId! });
  }
  return [...out.values()];
}

const key = (source: Scope, name: string, digest: string, d: Destination) => `${source.account}/${source.region}/${name}@${digest}->${d.registryId}/${d.region}`;

/**
 * Replication: after every push (not a replicated copy: ECR does not replicate a replica
 * again) the image is copied to each destination the source registry's rules name, in
 * another region and/or account of this Berth. The destination repository is created as ECR
 * creates it, from the destination registry's creation template for REPLICATION. Copies run
 * after the push's transaction, off the request path, as ECR replicates asynchronously.
 * Failures are kept in memory for DescribeImageReplicationStatus (FAILED) and logged.
 */
export class Replicator {
  private readonly failures = new Map<string, string>();
  private readonly pending = new Set<string>();

  constructor(private readonly db: Db, private readonly store: RegistryStore, private readonly log: Logger) {}

  attach(): this {
    this.store.onManifestPut((event) => this.onPut(event));
    return this;
  }

  private onPut({ scope, repository, result, replicated }: ManifestPutEvent): void {
    if (replicated) return;
    const dests = destinationsFor(readSetting(this.db, scope, "replicationConfiguration"), repository.name);
    if (!dests.length) return;
    for (const d of dests) this.pending.add(key(scope, repository.name, result.digest, d));
    // After the push's transaction commits.
    setImmediate(() => {
      for (const d of dests) this.copy(scope, repository.name, result.digest, result.tag, d);
    });
  }

  private copy(source: Scope, name: string, digest: string, tag: string | undefined, d: Destination): void {
    const k = key(source, name, digest, d);
    const target = { account: d.registryId, region: d.region };
    try {
      this.db.transaction(() => {
        if (!this.store.getRepository(target, name)) createFromTemplate(this.db, this.store, target, name, "REPLICATION");
        this.store.copyImage({ scope: source, name }, digest, { scope: target, name }, tag);
      })();
      this.failures.delete(k);
      this.log.info({ repository: name, digest, destination: d }, "image replicated");
    } catch (err) {
      this.failures.set(k, (err as Error).message);
      this.log.warn({ err, repository: name, digest, destination: d }, "image replication failed");
    } finally {
      this.pending.delete(k);
    }
  }

  /** One destination's status for an image the source repository has. */
  status(source: Scope, name: string, digest: string, d: Destination): ImageReplicationStatus {
    const k = key(source, name, digest, d);
    const failure = this.failures.get(k);
    if (failure !== undefined) return { region: d.region, registryId: d.registryId, status: "FAILED", failureCode: failure };
    const target = { account: d.registryId, region: d.region };
    const there = !this.pending.has(k) && this.store.getRepository(target, name) !== undefined && hasManifest(this.store, target, name, digest);
    return { region: d.region, registryId: d.registryId, status: there ? "COMPLETE" : "IN_PROGRESS" };
  }
}

function hasManifest(store: RegistryStore, scope: Scope, name: string, digest: string): boolean {
  try {
    store.getManifest(scope, name, digest);
    return true;
  } catch {
    return false;
  }
}

/** DescribeImageReplicationStatus: the image's status at every destination the rules name for its repository. */
export function replicationHandlers({ db, store }: EcrDeps, replicator: Replicator): Record<string, Handler> {
  return {
    DescribeImageReplicationStatus: (input: DescribeImageReplicationStatusRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      store.requireRepository(ctx, name);
      const id = input.imageId!;
      let digest: string;
      try {
        digest = store.getManifest(ctx, name, id.imageDigest ?? id.imageTag ?? "").digest;
      } catch {
        throw imageNotFound(id, name, ctx.account);
      }
      const replicationStatuses = destinationsFor(readSetting(db, ctx, "replicationConfiguration"), name).map((d) => replicator.status(ctx, name, digest, d));
      return { repositoryName: name, imageId: { imageDigest: digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) }, replicationStatuses };
    },
  };
}
