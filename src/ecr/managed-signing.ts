import type { DescribeImageSigningStatusRequest, ImageSigningStatus, PutSigningConfigurationRequest, SigningConfiguration } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { ServiceError } from "../core/errors.js";
import type { ManifestPutEvent, RegistryStore } from "../registry/registry-store.js";
import type { EcrDeps } from "./deps.js";
import { matchesPattern } from "./lifecycle-evaluate.js";
import { readSetting, writeSetting, deleteSetting } from "./registry-settings.js";
import { requireImage } from "./image-lookup.js";
import { inRegistry } from "./registry-id.js";

/**
 * ECR managed signing: the registry's signing configuration (rules naming an AWS Signer
 * profile and, optionally, the repositories they cover), and a signing status per profile for
 * each image pushed to a covered repository. Signing itself needs AWS Signer, which Berth does
 * not have: each status is FAILED with SIGNER_UNAVAILABLE (docs/compatibility.md), never a
 * pretended COMPLETE.
 */
export const SIGNING_FAILURE = {
  code: "SIGNER_UNAVAILABLE",
  reason: "Berth has no AWS Signer: the image was not signed. Sign images with a client-side tool (for example Notation) and push the signature as a referrer.",
} as const;

const configOf = (db: Db, scope: Scope) => readSetting<SigningConfiguration>(db, scope, "signingConfiguration");

const notFound = (account: string) => new ServiceError("SigningConfigurationNotFoundException", `Signing configuration not found for the registry with id '${account}'`);

/** The profiles whose rules cover the repository: a rule without filters covers every repository. */
export function profilesFor(config: SigningConfiguration | undefined, repositoryName: string): string[] {
  const profiles = new Set<string>();
  for (const rule of config?.rules ?? []) {
    const filters = rule.repositoryFilters ?? [];
    if (!filters.length || filters.some((f) => matchesPattern(f.filter!, repositoryName))) profiles.add(rule.signingProfileArn!);
  }
  return [...profiles];
}

/**
 * Records the signing statuses of each image pushed to a covered repository (inside the
 * push's transaction; onManifestPut). Referrers (signatures, SBOMs) are not images to sign.
 */
export function attachManagedSigning(db: Db, store: RegistryStore): void {
  const insert = db.prepare(
    `INSERT INTO ecr_image_signing (repo_id, digest, profile_arn, status, failure_code, failure_reason) VALUES (?, ?, ?, 'FAILED', ?, ?)
     ON CONFLICT (repo_id, digest, profile_arn) DO NOTHING`,
  );
  store.onManifestPut(({ scope, repository, result }: ManifestPutEvent) => {
    if (result.subject) return;
    for (const profile of profilesFor(configOf(db, scope), repository.name)) insert.run(repository.id, result.digest, profile, SIGNING_FAILURE.code, SIGNING_FAILURE.reason);
  });
}

export function managedSigningHandlers({ db, store }: EcrDeps): Record<string, Handler> {
  return {
    PutSigningConfiguration: (input: PutSigningConfigurationRequest, ctx: RequestContext) => {
      const signingConfiguration: SigningConfiguration = {
        rules: input.signingConfiguration!.rules!.map((r) => ({
          signingProfileArn: r.signingProfileArn!,
          ...(r.repositoryFilters ? { repositoryFilters: r.repositoryFilters.map((f) => ({ filter: f.filter!, filterType: f.filterType! })) } : {}),
        })),
      };
      db.transaction(() => writeSetting(db, ctx, "signingConfiguration", signingConfiguration))();
      return { signingConfiguration };
    },
    GetSigningConfiguration: (_input: unknown, ctx: RequestContext) => {
      const signingConfiguration = configOf(db, ctx);
      if (!signingConfiguration) throw notFound(ctx.account);
      return { registryId: ctx.account, signingConfiguration };
    },
    DeleteSigningConfiguration: (_input: unknown, ctx: RequestContext) =>
      db.transaction(() => {
        const signingConfiguration = configOf(db, ctx);
        if (!signingConfiguration) throw notFound(ctx.account);
        deleteSetting(db, ctx, "signingConfiguration");
        return { registryId: ctx.account, signingConfiguration };
      })(),
    DescribeImageSigningStatus: (input: DescribeImageSigningStatusRequest, ctx: RequestContext) => {
      ctx = inRegistry(ctx, input.registryId);
      const { repo, digest, imageId } = requireImage(store, ctx, input);
      const rows = db.prepare("SELECT profile_arn, status, failure_code, failure_reason FROM ecr_image_signing WHERE repo_id = ? AND digest = ? ORDER BY profile_arn")
        .all(repo.id, digest) as Array<{ profile_arn: string; status: string; failure_code: string | null; failure_reason: string | null }>;
      const signingStatuses: ImageSigningStatus[] = rows.map((r) => ({
        signingProfileArn: r.profile_arn,
        status: r.status as ImageSigningStatus["status"],
        ...(r.failure_code !== null ? { failureCode: r.failure_code } : {}),
        ...(r.failure_reason !== null ? { failureReason: r.failure_reason } : {}),
      }));
      return {
        registryId: repo.account,
        repositoryName: repo.name,
        imageId,
        signingStatuses,
      };
    },
  };
}
