import type { Repository } from "@aws-sdk/client-ecr";
import type { RepositoryRecord } from "../registry/registry-store.js";

/** A repository in ECR's wire shape; the URI names Berth's registry host. */
export function presentRepository(repo: RepositoryRecord, registryHost: string): Repository {
  const s = repo.settings;
  return {
    repositoryArn: repo.arn,
    registryId: repo.account,
    repositoryName: repo.name,
    repositoryUri: `${registryHost}/${repo.name}`,
    createdAt: repo.createdAt,
    imageTagMutability: s.imageTagMutability,
    imageTagMutabilityExclusionFilters: s.imageTagMutabilityExclusionFilters as Repository["imageTagMutabilityExclusionFilters"],
    imageScanningConfiguration: s.imageScanningConfiguration,
    encryptionConfiguration: s.encryptionConfiguration as Repository["encryptionConfiguration"],
  };
}
