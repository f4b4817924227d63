import type { RepositorySettings } from "./repositories.js";

/**
 * Whether a tag may not be moved to another manifest once it exists. ECR's exclusion modes
 * flip the rule for tags matching any wildcard filter ('*' matches any run of characters).
 */
export function isTagImmutable(settings: RepositorySettings, tag: string): boolean {
  const matches = () => (settings.imageTagMutabilityExclusionFilters ?? []).some((f) => wildcard(f.filter).test(tag));
  switch (settings.imageTagMutability) {
    case "IMMUTABLE":
      return true;
    case "IMMUTABLE_WITH_EXCLUSION":
      return !matches();
    case "MUTABLE_WITH_EXCLUSION":
      return matches();
    default:
      return false;
  }
}

function wildcard(filter: string): RegExp {
  const escaped = filter.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}
