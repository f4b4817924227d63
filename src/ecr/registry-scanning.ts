import type {
  BatchGetRepositoryScanningConfigurationRequest, ListImageReferrersRequest, PutRegistryScanningConfigurationRequest, RegistryScanningConfiguration,
} from "@aws-sdk/client-ecr";
import type { Scope } from "../core/arn.js";
import type { Db } from "../store/database.js";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { RepositoryRecord } from "../registry/registry-store.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { inRegistry } from "./registry-id.js";
import { readSetting, writeSetting } from "./registry-settings.js";
import { imageStatus } from "../registry/storage-class.js";

const DEFAULT: RegistryScanningConfiguration = { scanType: "BASIC", rules: [] };

/** A WILDCARD scanning filter: '*' stands for any run of characters, the rest is literal. */
function wildcardMatches(filter: string, name: string): boolean {
  const body = filter.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`).test(name);
}

export const scanningConfiguration = (db: Db, scope: Scope) => readSetting<RegistryScanningConfiguration>(db, scope, "scanningConfiguration") ?? DEFAULT;

/** The registry's rule for a repository's pushes: the frequency of the first rule whose filters match it. */
function frequencyFor(config: RegistryScanningConfiguration, name: string): string | undefined {
  return config.rules?.find((r) => r.repositoryFilters?.some((f) => wildcardMatches(f.filter!, name)))?.scanFrequency;
}

/**
 * Whether a push to the repository is scanned: the repository's own scanOnPush, or a
 * SCAN_ON_PUSH (or, with ENHANCED, CONTINUOUS_SCAN) rule of the registry's scanning
 * configuration whose filter matches its name. Berth's scanner is basic scanning in both modes.
 */
export function scansOnPush(db: Db, repo: RepositoryRecord): boolean {
  if (repo.settings.imageScanningConfiguration?.scanOnPush) return true;
  const f = frequencyFor(scanningConfiguration(db, { account: repo.account, region: repo.region }), repo.name);
  return f === "SCAN_ON_PUSH" || f === "CONTINUOUS_SCAN";
}

/** Put/GetRegistryScanningConfiguration, BatchGetRepositoryScanningConfiguration and ListImageReferrers. */
export function registryScanningHandlers({ db, store, clock }: EcrDeps): Record<string, Handler> {
  return {
    PutRegistryScanningConfiguration: (input: PutRegistryScanningConfigurationRequest, ctx: RequestContext) => {
      const scanType = input.scanType ?? "BASIC";
      const rules = (input.rules ?? []).map((r) => ({ scanFrequency: r.scanFrequency!, repositoryFilters: (r.repositoryFilters ?? []).map((f) => ({ filter: f.filter!, filterType: f.filterType! })) }));
      for (const r of rules) {
        if (scanType === "BASIC" && r.scanFrequency === "CONTINUOUS_SCAN") {
          throw invalidParameter("Invalid parameter at 'rules' failed to satisfy constraint: 'CONTINUOUS_SCAN scan frequency is only supported for ENHANCED scan type'");
        }
      }
      const config: RegistryScanningConfiguration = { scanType, rules };
      writeSetting(db, ctx, "scanningConfiguration", config);
      return { registryScanningConfiguration: config };
    },

    GetRegistryScanningConfiguration: (_input: unknown, ctx: RequestContext) => ({ registryId: ctx.account, scanningConfiguration: scanningConfiguration(db, ctx) }),

    BatchGetRepositoryScanningConfiguration: (input: BatchGetRepositoryScanningConfigurationRequest, ctx: RequestContext) => {
      const config = scanningConfiguration(db, ctx);
      const scanningConfigurations = [];
      const failures = [];
      for (const name of input.repositoryNames ?? []) {
        const repo = store.getRepository(ctx, name);
        if (!repo) {
          failures.push({ repositoryName: name, failureCode: "REPOSITORY_NOT_FOUND", failureReason: "REPOSITORY_NOT_FOUND" });
          continue;
        }
        const matching = config.rules?.find((r) => r.repositoryFilters?.some((f) => wildcardMatches(f.filter!, name)));
        const onPush = scansOnPush(db, repo);
        scanningConfigurations.push({
          repositoryArn: repo.arn, repositoryName: name, scanOnPush: onPush,
          scanFrequency: matching?.scanFrequency ?? (onPush ? "SCAN_ON_PUSH" : "MANUAL"),
          appliedScanFilters: matching?.repositoryFilters ?? [],
        });
      }
      return { scanningConfigurations, failures };
    },

    /** The OCI referrers of an image (manifests whose subject it is), as the /v2 referrers API lists them. */
    ListImageReferrers: (input: ListImageReferrersRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const status = input.filter?.artifactStatus ?? "ACTIVE";
      const types = input.filter?.artifactTypes;
      // Each referrer is a manifest with its own storage class (registry/storage-class.ts).
      const now = clock.now();
      const all = store.referrers(ctx, name, input.subjectId!.imageDigest!)
        .map((r) => ({ ...r, artifactStatus: imageStatus(store.getManifest(ctx, name, r.digest), now) }))
        .filter((r) => status === "ANY" || r.artifactStatus === status);
      const selected = types?.length ? all.filter((r) => r.artifactType !== undefined && types.includes(r.artifactType)) : all;
      const start = input.nextToken ? Number(Buffer.from(input.nextToken, "base64url").toString()) : 0;
      if (!Number.isInteger(start) || start < 0) throw invalidParameter("Invalid parameter at 'nextToken': the token is not one this service issued.");
      const limit = input.maxResults ?? 50;
      const referrers = selected.slice(start, start + limit);
      return { referrers, nextToken: start + limit < selected.length ? Buffer.from(String(start + limit)).toString("base64url") : undefined };
    },
  };
}
