import type { PutImageScanningConfigurationRequest, PutImageTagMutabilityRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { inRegistry } from "./registry-id.js";

const WITH_EXCLUSION = new Set(["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"]);

/**
 * Repository settings that change after creation. Each is one read-modify-write of the
 * repository's settings document (one transaction), and takes effect on the next push: tag
 * mutability is checked by every manifest push, scan-on-push by the scanner.
 */
export function repositorySettingsHandlers({ store }: EcrDeps): Record<string, Handler> {
  return {
    PutImageTagMutability: (input: PutImageTagMutabilityRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const mutability = input.imageTagMutability!;
      const filters = input.imageTagMutabilityExclusionFilters;
      if (WITH_EXCLUSION.has(mutability) && !filters?.length) {
        throw invalidParameter(`imageTagMutabilityExclusionFilters are required when imageTagMutability is ${mutability}.`);
      }
      if (!WITH_EXCLUSION.has(mutability) && filters?.length) {
        throw invalidParameter("imageTagMutabilityExclusionFilters can only be used with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.");
      }
      const repo = store.updateRepositorySettings(ctx, name, {
        imageTagMutability: mutability,
        // Switching to plain MUTABLE or IMMUTABLE drops the old filters.
        imageTagMutabilityExclusionFilters: filters?.map((f) => ({ filterType: f.filterType!, filter: f.filter! })),
      });
      return {
        registryId: repo.account,
        repositoryName: repo.name,
        imageTagMutability: repo.settings.imageTagMutability,
        imageTagMutabilityExclusionFilters: repo.settings.imageTagMutabilityExclusionFilters,
      };
    },

    PutImageScanningConfiguration: (input: PutImageScanningConfigurationRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const imageScanningConfiguration = { scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false };
      const repo = store.updateRepositorySettings(ctx, name, { imageScanningConfiguration });
      return { registryId: repo.account, repositoryName: repo.name, imageScanningConfiguration: repo.settings.imageScanningConfiguration };
    },
  };
}
