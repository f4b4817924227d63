import type { BatchGetSecretValueRequest, Filter, ListSecretVersionIdsRequest, ListSecretsRequest } from "@aws-sdk/client-secrets-manager";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { ServiceError } from "../core/errors.js";
import { invalidNextToken, invalidParameter } from "./errors.js";
import { openValue, purgeExpired, requireCrossAccountKey, requireSecret, selectVersion, versionIdsToStages, versionsOf, type SecretDeps, type SecretDoc } from "./secret-store.js";
import { tagsOf, type SmTag } from "./secret-tags.js";

/** Paging tokens are an offset into the ordered list, opaque (base64url JSON) as AWS's are. */
const encode = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
function decode(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const o = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown }).o;
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
  } catch {
    /* below */
  }
  throw invalidNextToken();
}

function page<T>(items: T[], token: string | undefined, max: number): { items: T[]; NextToken?: string } {
  const from = decode(token);
  const end = from + max;
  return { items: items.slice(from, end), NextToken: end < items.length ? encode(end) : undefined };
}

interface Listed {
  arn: string;
  name: string;
  created_at: number;
  deletion_date: number | null;
  doc: SecretDoc;
  tags: SmTag[];
}

/**
 * ListSecrets' filters: each value a prefix (a leading "!" negates it); the values of one filter
 * are alternatives, the filters all apply. "all" looks at the name, description, tag keys and values.
 */
function matches(s: Listed, filters: Filter[]): boolean {
  return filters.every((f) => {
    const fields = (() => {
      switch (f.Key) {
        case "name": return [s.name];
        case "description": return [s.doc.Description ?? ""];
        case "tag-key": return s.tags.map((t) => t.Key);
        case "tag-value": return s.tags.map((t) => t.Value ?? "");
        case "primary-region": case "owning-service": return [];
        default: return [s.name, s.doc.Description ?? "", ...s.tags.flatMap((t) => [t.Key, t.Value ?? ""])];
      }
    })();
    const values = f.Values ?? [];
    const positive = values.filter((v) => !v.startsWith("!"));
    const negative = values.filter((v) => v.startsWith("!")).map((v) => v.slice(1));
    if (negative.some((v) => fields.some((x) => x.startsWith(v)))) return false;
    return positive.length === 0 || positive.some((v) => fields.some((x) => x.startsWith(v)));
  });
}

export function listHandlers(deps: SecretDeps): Record<string, Handler> {
  const { db, cipher } = deps;

  function listed(ctx: RequestContext, { includeDeleted, filters }: { includeDeleted: boolean; filters: Filter[] }): Listed[] {
    purgeExpired(deps);
    const rows = db.prepare(`SELECT arn, name, created_at, deletion_date, doc FROM secrets WHERE account = ? AND region = ?${includeDeleted ? "" : " AND deletion_date IS NULL"} ORDER BY created_at, name`)
      .all(ctx.account, ctx.region) as Array<Omit<Listed, "doc" | "tags"> & { doc: string }>;
    return rows.map((r) => ({ ...r, doc: JSON.parse(r.doc) as SecretDoc, tags: tagsOf(db, r.arn) })).filter((s) => matches(s, filters));
  }

  const ListSecrets: Handler = (input: ListSecretsRequest, ctx) => {
    const all = listed(ctx, { includeDeleted: input.IncludePlannedDeletion === true, filters: input.Filters ?? [] });
    const key = (s: Listed): string | number => {
      switch (input.SortBy) {
        case "name": return s.name;
        case "last-accessed-date": return s.doc.LastAccessedDate ?? 0;
        case "last-changed-date": return s.doc.LastChangedDate;
        default: return s.created_at;
      }
    };
    const sign = input.SortOrder === "desc" ? -1 : 1;
    all.sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
    const { items, NextToken } = page(all, input.NextToken, input.MaxResults ?? 100);
    const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
    return {
      SecretList: items.map((s) => ({
        ARN: s.arn, Name: s.name, Description: s.doc.Description, KmsKeyId: s.doc.KmsKeyId,
        LastChangedDate: date(s.doc.LastChangedDate), LastAccessedDate: date(s.doc.LastAccessedDate), DeletedDate: date(s.doc.DeletedDate),
        Tags: s.tags.length ? s.tags : undefined, SecretVersionsToStages: versionIdsToStages(db, s.arn), CreatedDate: new Date(s.created_at),
      })),
      NextToken,
    };
  };

  const ListSecretVersionIds: Handler = (input: ListSecretVersionIdsRequest, ctx) => {
    const s = requireSecret(deps, ctx.account, ctx.region, input.SecretId!, { deleted: true });
    // Newest first; a version without a label is deprecated and listed only on request.
    const versions = versionsOf(db, s.arn).reverse().filter((v) => input.IncludeDeprecated === true || v.stages.length > 0);
    const { items, NextToken } = page(versions, input.NextToken, input.MaxResults ?? 100);
    return {
      ARN: s.arn, Name: s.name, NextToken,
      Versions: items.map((v) => ({ VersionId: v.version_id, VersionStages: v.stages.length ? v.stages : undefined, CreatedDate: new Date(v.created_at), KmsKeyIds: [s.doc.KmsKeyId ?? "DefaultEncryptionKey"] })),
    };
  };

  const BatchGetSecretValue: Handler = (input: BatchGetSecretValueRequest, ctx) => {
    if ((input.SecretIdList === undefined) === (input.Filters === undefined)) {
      throw invalidParameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.");
    }
    // As AWS requires: ListSecrets to use filters, and GetSecretValue on each secret (a refusal is that secret's error).
    if (input.Filters) ctx.authorizeAlso?.("ListSecrets", {});
    const ids = input.SecretIdList ?? listed(ctx, { includeDeleted: false, filters: input.Filters! }).map((s) => s.arn);
    const { items, NextToken } = page(ids, input.NextToken, input.MaxResults ?? 20);
    const SecretValues: unknown[] = [];
    const Errors: unknown[] = [];
    for (const id of items) {
      try {
        ctx.authorizeAlso?.("GetSecretValue", { SecretId: id });
        const s = requireSecret(deps, ctx.account, ctx.region, id);
        requireCrossAccountKey(s, ctx.account);
        const v = selectVersion(db, s.arn, {});
        SecretValues.push({ ARN: s.arn, Name: s.name, VersionId: v.version_id, ...openValue(cipher, s.arn, v), VersionStages: v.stages, CreatedDate: new Date(v.created_at) });
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        Errors.push({ SecretId: id, ErrorCode: err.code, Message: err.message });
      }
    }
    return { SecretValues, Errors, NextToken };
  };

  return { ListSecrets, ListSecretVersionIds, BatchGetSecretValue };
}
