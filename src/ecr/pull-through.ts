import type {
  CreatePullThroughCacheRuleRequest, DeletePullThroughCacheRuleRequest, DescribePullThroughCacheRulesRequest, PullThroughCacheRule,
  UpdatePullThroughCacheRuleRequest, ValidatePullThroughCacheRuleRequest,
} from "@aws-sdk/client-ecr";
import { ServiceError } from "../core/errors.js";
import type { Scope } from "../core/arn.js";
import type { Logger } from "../core/logger.js";
import type { Db } from "../store/database.js";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { RegistryStore } from "../registry/registry-store.js";
import { parseManifest } from "../registry/manifest.js";
import type { SecretReader } from "../secretsmanager/secret-reader.js";
import { createFromTemplate } from "./creation-templates.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { readSetting, writeSetting } from "./registry-settings.js";
import { upstreamBase, UpstreamRegistry, type UpstreamCredentials } from "./upstream-registry.js";

/** A rule as stored: ECR's wire shape with epoch-ms times. */
interface StoredRule extends Omit<PullThroughCacheRule, "createdAt" | "updatedAt"> {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  createdAt: number;
  updatedAt?: number;
}

const err = (code: string, message: string) => new ServiceError(code, message);
const ruleExists = (prefix: string, account: string) =>
  err("PullThroughCacheRuleAlreadyExistsException", `A pull through cache rule with prefix '${prefix}' already exists in the registry with id '${account}'`);
const ruleNotFound = (prefix: string, account: string) =>
  err("PullThroughCacheRuleNotFoundException", `A pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${account}'`);
const unsupportedUpstream = (url: string) =>
  err("UnsupportedUpstreamRegistryException", `The upstream registry URL '${url}' is not supported: Berth pulls through only from registries on loopback addresses (127.0.0.0/8, ::1, localhost)`);

const load = (db: Db, scope: Scope) => readSetting<StoredRule[]>(db, scope, "pullThroughCacheRules") ?? [];

/** Whether a pull of `name` would go to a pull-through cache rule's upstream when it misses. */
export const coveredByPullThrough = (db: Db, scope: Scope, name: string) => load(db, scope).some((r) => name.startsWith(`${r.ecrRepositoryPrefix}/`));
const present = (r: StoredRule, account: string) => ({ ...r, registryId: account, createdAt: new Date(r.createdAt), ...(r.updatedAt ? { updatedAt: new Date(r.updatedAt) } : {}) });
const normalise = (prefix: string) => (prefix !== "ROOT" && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);

/**
 * Pull-through cache: a pull of `<prefix>/<name>:<ref>` that misses locally fetches the image
 * (manifests and blobs) from the rule's upstream registry, stores it in a repository created
 * as ECR creates one (the PULL_THROUGH_CACHE creation template), and later pulls are served
 * locally. Only misses go upstream (ECR also re-checks a cached tag after 24 hours; Berth does
 * not: see docs/compatibility.md). Concurrent misses of one image share one fetch.
 */
export class PullThroughCache {
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly db: Db, private readonly store: RegistryStore, private readonly secrets: SecretReader, private readonly log: Logger) {}

  /** Called before a manifest GET/HEAD is served; never throws (a failed fetch leaves the miss to answer 404). */
  async beforeManifestGet(scope: Scope, name: string, reference: string): Promise<void> {
    const rule = load(this.db, scope).find((r) => name.startsWith(`${r.ecrRepositoryPrefix}/`));
    if (!rule || this.hasLocally(scope, name, reference)) return;
    const key = `${scope.account}/${scope.region}/${name}:${reference}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(scope, rule, name, reference)
        .catch((err: unknown) => this.log.warn({ err, repository: name, reference, upstream: rule.upstreamRegistryUrl }, "pull through cache: upstream fetch failed"))
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    await p;
  }

  private hasLocally(scope: Scope, name: string, reference: string): boolean {
    if (!this.store.getRepository(scope, name)) return false;
    try {
      this.store.getManifest(scope, name, reference);
      return true;
    } catch {
      return false;
    }
  }

  private async fetch(scope: Scope, rule: StoredRule, name: string, reference: string): Promise<void> {
    const upstream = clientFor(rule, scope, this.secrets);
    const rest = name.slice(rule.ecrRepositoryPrefix.length + 1);
    const upstreamName = rule.upstreamRepositoryPrefix && rule.upstreamRepositoryPrefix !== "ROOT" ? `${rule.upstreamRepositoryPrefix}/${rest}` : rest;
    const got = await upstream.manifest(upstreamName, reference);
    if (!got) return;
    if (!this.store.getRepository(scope, name)) {
      this.db.transaction(() => {
        if (!this.store.getRepository(scope, name)) createFromTemplate(this.db, this.store, scope, name, "PULL_THROUGH_CACHE");
      })();
    }
    await this.storeImage(scope, name, upstream, upstreamName, reference, got);
    this.log.info({ repository: name, reference, upstream: rule.upstreamRegistryUrl }, "pull through cache: image cached from upstream");
  }

  /** Blobs first, then child manifests (by digest), then the manifest itself under `reference`. */
  private async storeImage(scope: Scope, name: string, upstream: UpstreamRegistry, upstreamName: string, reference: string, got: { raw: Buffer; contentType: string }): Promise<void> {
    const parsed = parseManifest(got.raw, got.contentType || undefined);
    for (const b of parsed.blobs) {
      if (await this.store.statBlob(scope, name, b.digest)) continue;
      await this.store.putBlob(scope, name, b.digest, await upstream.blob(upstreamName, b.digest), { size: b.size });
    }
    for (const c of parsed.children) {
      if (this.hasLocally(scope, name, c.digest)) continue;
      const child = await upstream.manifest(upstreamName, c.digest);
      if (!child) throw new Error(`the upstream index names ${c.digest}, which the upstream does not have`);
      await this.storeImage(scope, name, upstream, upstreamName, c.digest, child);
    }
    this.store.putManifest(scope, name, { reference, raw: got.raw, contentType: got.contentType || undefined });
  }
}

/** The upstream client for a rule, with the credentials of its Secrets Manager secret (username, accessToken). */
function clientFor(rule: StoredRule, scope: Scope, secrets: SecretReader): UpstreamRegistry {
  const base = upstreamBase(rule.upstreamRegistryUrl);
  if (!base) throw unsupportedUpstream(rule.upstreamRegistryUrl);
  return new UpstreamRegistry(base, rule.credentialArn ? readCredentials(secrets, scope, rule.credentialArn) : undefined);
}

function readCredentials(secrets: SecretReader, scope: Scope, arn: string): UpstreamCredentials {
  let value: ReturnType<SecretReader["secretValue"]>;
  try {
    value = secrets.secretValue(scope, arn, {});
  } catch {
    throw err("SecretNotFoundException", `The secret with ARN '${arn}' was not found`);
  }
  try {
    const doc = JSON.parse("SecretString" in value ? value.SecretString : value.SecretBinary.toString("utf8")) as Partial<UpstreamCredentials>;
    if (typeof doc.username === "string" && typeof doc.accessToken === "string") return { username: doc.username, accessToken: doc.accessToken };
  } catch {
    /* fall through */
  }
  throw err("UnableToDecryptSecretValueException", `The secret with ARN '${arn}' must be a JSON object with the keys username and accessToken`);
}

/** Create/Describe/Update/Delete/ValidatePullThroughCacheRule. */
export function pullThroughHandlers({ db, clock, secrets }: EcrDeps): Record<string, Handler> {
  const checkRegistry = (ctx: RequestContext, registryId: string | undefined) => {
    if (registryId !== undefined && registryId !== ctx.account) throw invalidParameter(`Invalid parameter at 'registryId': Berth serves only the caller's registry (${ctx.account}).`);
  };
  const find = (ctx: RequestContext, prefix: string) => {
    const r = load(db, ctx).find((x) => x.ecrRepositoryPrefix === normalise(prefix));
    if (!r) throw ruleNotFound(normalise(prefix), ctx.account);
    return r;
  };
  const checkCredential = (ctx: RequestContext, arn: string | undefined) => {
    if (arn !== undefined && !secrets.secretArn(ctx, arn)) throw err("SecretNotFoundException", `The secret with ARN '${arn}' was not found`);
  };

  return {
    CreatePullThroughCacheRule: (input: CreatePullThroughCacheRuleRequest, ctx: RequestContext) => {
      checkRegistry(ctx, input.registryId);
      const prefix = normalise(input.ecrRepositoryPrefix!);
      if (prefix === "ROOT") throw invalidParameter("Invalid parameter at 'ecrRepositoryPrefix' failed to satisfy constraint: 'ROOT is not a valid prefix for a pull through cache rule'");
      if (!upstreamBase(input.upstreamRegistryUrl!)) throw unsupportedUpstream(input.upstreamRegistryUrl!);
      checkCredential(ctx, input.credentialArn);
      return db.transaction(() => {
        const list = load(db, ctx);
        if (list.some((r) => r.ecrRepositoryPrefix === prefix)) throw ruleExists(prefix, ctx.account);
        const rule: StoredRule = {
          ecrRepositoryPrefix: prefix, upstreamRegistryUrl: input.upstreamRegistryUrl!, createdAt: clock.now().getTime(),
          ...(input.upstreamRegistry ? { upstreamRegistry: input.upstreamRegistry } : {}),
          ...(input.credentialArn ? { credentialArn: input.credentialArn } : {}),
          ...(input.customRoleArn ? { customRoleArn: input.customRoleArn } : {}),
          upstreamRepositoryPrefix: input.upstreamRepositoryPrefix ? normalise(input.upstreamRepositoryPrefix) : "ROOT",
        };
        writeSetting(db, ctx, "pullThroughCacheRules", [...list, rule]);
        return present(rule, ctx.account);
      })();
    },

    DescribePullThroughCacheRules: (input: DescribePullThroughCacheRulesRequest, ctx: RequestContext) => {
      checkRegistry(ctx, input.registryId);
      const all = load(db, ctx).sort((a, b) => (a.ecrRepositoryPrefix < b.ecrRepositoryPrefix ? -1 : 1));
      const selected = input.ecrRepositoryPrefixes ? input.ecrRepositoryPrefixes.map((p) => find(ctx, p)) : all;
      const start = input.nextToken ? Number(Buffer.from(input.nextToken, "base64url").toString()) : 0;
      if (!Number.isInteger(start) || start < 0) throw invalidParameter("Invalid parameter at 'nextToken': the token is not one this service issued.");
      const limit = input.maxResults ?? 100;
      const nextToken = start + limit < selected.length ? Buffer.from(String(start + limit)).toString("base64url") : undefined;
      return { pullThroughCacheRules: selected.slice(start, start + limit).map((r) => present(r, ctx.account)), nextToken };
    },

    UpdatePullThroughCacheRule: (input: UpdatePullThroughCacheRuleRequest, ctx: RequestContext) => {
      checkRegistry(ctx, input.registryId);
      find(ctx, input.ecrRepositoryPrefix!);
      checkCredential(ctx, input.credentialArn);
      return db.transaction(() => {
        const list = load(db, ctx);
        const current = find(ctx, input.ecrRepositoryPrefix!);
        const rule: StoredRule = {
          ...current, updatedAt: clock.now().getTime(),
          ...(input.credentialArn ? { credentialArn: input.credentialArn } : {}),
          ...(input.customRoleArn ? { customRoleArn: input.customRoleArn } : {}),
        };
        writeSetting(db, ctx, "pullThroughCacheRules", list.map((r) => (r.ecrRepositoryPrefix === rule.ecrRepositoryPrefix ? rule : r)));
        const { createdAt: _c, upstreamRegistry: _u, ...shown } = present(rule, ctx.account);
        return shown;
      })();
    },

    DeletePullThroughCacheRule: (input: DeletePullThroughCacheRuleRequest, ctx: RequestContext) => {
      checkRegistry(ctx, input.registryId);
      return db.transaction(() => {
        const rule = find(ctx, input.ecrRepositoryPrefix!);
        writeSetting(db, ctx, "pullThroughCacheRules", load(db, ctx).filter((r) => r.ecrRepositoryPrefix !== rule.ecrRepositoryPrefix));
        const { updatedAt: _u, upstreamRegistry: _r, ...shown } = present(rule, ctx.account);
        return shown;
      })();
    },

    /** Reaches the upstream's /v2/ with the rule's credentials, as ECR checks a rule. */
    ValidatePullThroughCacheRule: async (input: ValidatePullThroughCacheRuleRequest, ctx: RequestContext) => {
      checkRegistry(ctx, input.registryId);
      const rule = find(ctx, input.ecrRepositoryPrefix!);
      let failure: string | undefined;
      try {
        await clientFor(rule, ctx, secrets).ping();
      } catch (e) {
        failure = (e as Error).message;
      }
      return {
        ecrRepositoryPrefix: rule.ecrRepositoryPrefix, registryId: ctx.account, upstreamRegistryUrl: rule.upstreamRegistryUrl,
        credentialArn: rule.credentialArn, customRoleArn: rule.customRoleArn, upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix,
        isValid: failure === undefined, ...(failure !== undefined ? { failure } : {}),
      };
    },
  };
}
