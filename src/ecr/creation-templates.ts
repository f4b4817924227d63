import type {
  CreateRepositoryCreationTemplateRequest, DeleteRepositoryCreationTemplateRequest, DescribeRepositoryCreationTemplatesRequest,
  RepositoryCreationTemplate, UpdateRepositoryCreationTemplateRequest,
} from "@aws-sdk/client-ecr";
import { ServiceError } from "../core/errors.js";
import type { Scope } from "../core/arn.js";
import type { Db } from "../store/database.js";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { RegistryStore, RepositoryRecord, RepositorySettings } from "../registry/registry-store.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { invalidRepositoryPolicy } from "./image-errors.js";
import { formatLifecyclePolicy, parseLifecyclePolicy } from "./lifecycle-policy.js";
import { LIFECYCLE_SETTING } from "./lifecycle-apply.js";
import { awsManagedEcrKeyArn } from "./managed-key.js";
import { formatPolicyText } from "./policy-text.js";
import { parseRepositoryPolicy } from "./repository-policy.js";
import { readSetting, writeSetting } from "./registry-settings.js";
import { putTags, validateTags } from "./tags.js";
import { isRepositoryName } from "../registry/names.js";

export type AppliedFor = "REPLICATION" | "PULL_THROUGH_CACHE" | "CREATE_ON_PUSH";

/** A template as stored: ECR's wire shape with epoch-ms times. */
interface StoredTemplate extends Omit<RepositoryCreationTemplate, "createdAt" | "updatedAt"> {
  prefix: string;
  createdAt: number;
  updatedAt: number;
}

const WITH_EXCLUSION = new Set(["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"]);

const templateExists = (prefix: string, account: string) =>
  new ServiceError("TemplateAlreadyExistsException", `Repository creation template with prefix '${prefix}' already exists in the registry with id '${account}'`);
const templateNotFound = (prefix: string, account: string) =>
  new ServiceError("TemplateNotFoundException", `Repository creation template with prefix '${prefix}' does not exist in the registry with id '${account}'`);

const load = (db: Db, scope: Scope) => readSetting<StoredTemplate[]>(db, scope, "creationTemplates") ?? [];
const present = (t: StoredTemplate): RepositoryCreationTemplate => ({ ...t, createdAt: new Date(t.createdAt), updatedAt: new Date(t.updatedAt) });
/** ECR stores a prefix without its trailing slash ("prod/" and "prod" are one template). */
const normalise = (prefix: string) => (prefix !== "ROOT" && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);

/**
 * The template for a repository ECR creates on its own (by replication, pull-through cache or
 * push): the one with the longest prefix the name lies under ("prod" covers "prod/..."), else
 * the ROOT template; only templates applied for `reason`.
 */
export function templateFor(db: Db, scope: Scope, name: string, reason: AppliedFor): StoredTemplate | undefined {
  const candidates = load(db, scope).filter((t) => t.appliedFor?.includes(reason));
  const under = candidates.filter((t) => t.prefix !== "ROOT" && name.startsWith(`${t.prefix}/`)).sort((a, b) => b.prefix.length - a.prefix.length);
  return under[0] ?? candidates.find((t) => t.prefix === "ROOT");
}

/**
 * Creates a repository as ECR creates one on its own, with the settings, policies and tags
 * of the template that applies (ECR's defaults without one). In the caller's transaction.
 */
export function createFromTemplate(db: Db, store: RegistryStore, scope: Scope, name: string, reason: AppliedFor): RepositoryRecord {
  const t = templateFor(db, scope, name, reason);
  const settings: Partial<RepositorySettings> = {};
  if (t?.imageTagMutability) settings.imageTagMutability = t.imageTagMutability as RepositorySettings["imageTagMutability"];
  if (t?.imageTagMutabilityExclusionFilters?.length) settings.imageTagMutabilityExclusionFilters = t.imageTagMutabilityExclusionFilters as RepositorySettings["imageTagMutabilityExclusionFilters"];
  const enc = t?.encryptionConfiguration;
  if (enc?.encryptionType && enc.encryptionType !== "AES256") {
    settings.encryptionConfiguration = { encryptionType: enc.encryptionType, kmsKey: enc.kmsKey || awsManagedEcrKeyArn(scope.account, scope.region) };
  }
  if (t?.repositoryPolicy) settings.repositoryPolicyText = t.repositoryPolicy;
  if (t?.lifecyclePolicy) settings[LIFECYCLE_SETTING] = { text: t.lifecyclePolicy };
  const repo = store.createRepository(scope, name, settings);
  putTags(db, repo.arn, t?.resourceTags);
  return repo;
}

/**
 * ECR's create on push: a push to a repository that does not exist creates it when a
 * CREATE_ON_PUSH template covers its name (otherwise the push fails as before).
 */
export function createOnPush(db: Db, store: RegistryStore, scope: Scope, name: string): void {
  if (!isRepositoryName(name) || store.getRepository(scope, name) || !templateFor(db, scope, name, "CREATE_ON_PUSH")) return;
  db.transaction(() => {
    if (!store.getRepository(scope, name)) createFromTemplate(db, store, scope, name, "CREATE_ON_PUSH");
  })();
}

/** The template's fields from a Create or Update request, validated as ECR validates them. */
function fieldsOf(input: CreateRepositoryCreationTemplateRequest | UpdateRepositoryCreationTemplateRequest): Partial<StoredTemplate> {
  const out: Partial<StoredTemplate> = {};
  if (input.description !== undefined) out.description = input.description;
  if (input.appliedFor !== undefined) {
    if (input.appliedFor.length === 0) throw invalidParameter("Invalid parameter at 'appliedFor' failed to satisfy constraint: 'Member must have length greater than or equal to 1'");
    out.appliedFor = [...new Set(input.appliedFor)];
  }
  if (input.imageTagMutability !== undefined) out.imageTagMutability = input.imageTagMutability;
  if (input.imageTagMutabilityExclusionFilters !== undefined) out.imageTagMutabilityExclusionFilters = input.imageTagMutabilityExclusionFilters;
  if (input.encryptionConfiguration !== undefined) {
    const enc = input.encryptionConfiguration;
    if (enc.kmsKey !== undefined && enc.encryptionType === "AES256") throw invalidParameter("A KMS key can only be specified when encryptionType is KMS or KMS_DSSE.");
    out.encryptionConfiguration = enc;
  }
  if (input.resourceTags !== undefined) {
    validateTags(input.resourceTags);
    out.resourceTags = input.resourceTags;
  }
  if (input.repositoryPolicy !== undefined) {
    if (!parseRepositoryPolicy(input.repositoryPolicy)) throw invalidRepositoryPolicy();
    out.repositoryPolicy = formatPolicyText(JSON.parse(input.repositoryPolicy));
  }
  if (input.lifecyclePolicy !== undefined) out.lifecyclePolicy = formatLifecyclePolicy(parseLifecyclePolicy(input.lifecyclePolicy));
  if (input.customRoleArn !== undefined) out.customRoleArn = input.customRoleArn;
  return out;
}

function checkMutability(t: Partial<StoredTemplate>): void {
  const m = t.imageTagMutability ?? "MUTABLE";
  const filters = t.imageTagMutabilityExclusionFilters;
  if (WITH_EXCLUSION.has(m) && !filters?.length) throw invalidParameter(`imageTagMutabilityExclusionFilters are required when imageTagMutability is ${m}.`);
  if (!WITH_EXCLUSION.has(m) && filters?.length) throw invalidParameter("imageTagMutabilityExclusionFilters can only be used with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.");
}

/** Create/Describe/Update/DeleteRepositoryCreationTemplate; the list is one registry setting. */
export function creationTemplateHandlers({ db, clock }: EcrDeps): Record<string, Handler> {
  return {
    CreateRepositoryCreationTemplate: (input: CreateRepositoryCreationTemplateRequest, ctx: RequestContext) => {
      const prefix = normalise(input.prefix!);
      const fields = fieldsOf(input);
      checkMutability(fields);
      return db.transaction(() => {
        const list = load(db, ctx);
        if (list.some((t) => t.prefix === prefix)) throw templateExists(prefix, ctx.account);
        const now = clock.now().getTime();
        const t: StoredTemplate = { imageTagMutability: "MUTABLE", encryptionConfiguration: { encryptionType: "AES256" }, ...fields, prefix, createdAt: now, updatedAt: now };
        writeSetting(db, ctx, "creationTemplates", [...list, t]);
        return { registryId: ctx.account, repositoryCreationTemplate: present(t) };
      })();
    },

    DescribeRepositoryCreationTemplates: (input: DescribeRepositoryCreationTemplatesRequest, ctx: RequestContext) => {
      const list = load(db, ctx).sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
      const wanted = input.prefixes?.map(normalise);
      const selected = wanted ? list.filter((t) => wanted.includes(t.prefix)) : list;
      const start = input.nextToken ? Number(Buffer.from(input.nextToken, "base64url").toString()) : 0;
      if (!Number.isInteger(start) || start < 0) throw invalidParameter("Invalid parameter at 'nextToken': the token is not one this service issued.");
      const limit = input.maxResults ?? 100;
      const page = selected.slice(start, start + limit);
      const nextToken = start + limit < selected.length ? Buffer.from(String(start + limit)).toString("base64url") : undefined;
      return { registryId: ctx.account, repositoryCreationTemplates: page.map(present), nextToken };
    },

    UpdateRepositoryCreationTemplate: (input: UpdateRepositoryCreationTemplateRequest, ctx: RequestContext) => {
      const prefix = normalise(input.prefix!);
      const fields = fieldsOf(input);
      return db.transaction(() => {
        const list = load(db, ctx);
        const i = list.findIndex((t) => t.prefix === prefix);
        if (i < 0) throw templateNotFound(prefix, ctx.account);
        const t: StoredTemplate = { ...list[i]!, ...fields, updatedAt: clock.now().getTime() };
        checkMutability(t);
        list[i] = t;
        writeSetting(db, ctx, "creationTemplates", list);
        return { registryId: ctx.account, repositoryCreationTemplate: present(t) };
      })();
    },

    DeleteRepositoryCreationTemplate: (input: DeleteRepositoryCreationTemplateRequest, ctx: RequestContext) => {
      const prefix = normalise(input.prefix!);
      return db.transaction(() => {
        const list = load(db, ctx);
        const t = list.find((x) => x.prefix === prefix);
        if (!t) throw templateNotFound(prefix, ctx.account);
        writeSetting(db, ctx, "creationTemplates", list.filter((x) => x !== t));
        return { registryId: ctx.account, repositoryCreationTemplate: present(t) };
      })();
    },
  };
}
