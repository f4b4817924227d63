import type { DeleteRegistryPolicyRequest, PutRegistryPolicyRequest, PutReplicationConfigurationRequest, ReplicationConfiguration } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { registryPolicyNotFound } from "./image-errors.js";
import { formatPolicyText } from "./policy-text.js";
import { parseRepositoryPolicy } from "./repository-policy.js";
import { deleteSetting, readSetting, writeSetting } from "./registry-settings.js";

/** ECR's limits on a replication configuration (the API reference's). */
const MAX_RULES = 10;
const MAX_DESTINATIONS = 25;

/** What PutRegistryPolicy refuses, in ECR's words. */
const invalidRegistryPolicy = () => invalidParameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'");

/**
 * The registry-level operations: DescribeRegistry, the registry policy (validated and stored as
 * ECR returns it; Berth has no IAM, so it is never evaluated: see docs/compatibility.md) and
 * the replication configuration that replication.ts acts on.
 */
export function registryHandlers({ db }: EcrDeps): Record<string, Handler> {
  const replication = (ctx: RequestContext): ReplicationConfiguration => readSetting<ReplicationConfiguration>(db, ctx, "replicationConfiguration") ?? { rules: [] };
  return {
    DescribeRegistry: (_input: unknown, ctx: RequestContext) => ({ registryId: ctx.account, replicationConfiguration: replication(ctx) }),

    PutRegistryPolicy: (input: PutRegistryPolicyRequest, ctx: RequestContext) => {
      if (!parseRepositoryPolicy(input.policyText!, { resource: true })) throw invalidRegistryPolicy();
      const policyText = formatPolicyText(JSON.parse(input.policyText!));
      writeSetting(db, ctx, "registryPolicy", policyText);
      return { registryId: ctx.account, policyText };
    },

    GetRegistryPolicy: (_input: unknown, ctx: RequestContext) => {
      const policyText = readSetting<string>(db, ctx, "registryPolicy");
      if (policyText === undefined) throw registryPolicyNotFound(ctx.account);
      return { registryId: ctx.account, policyText };
    },

    DeleteRegistryPolicy: (_input: DeleteRegistryPolicyRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const policyText = readSetting<string>(db, ctx, "registryPolicy");
        if (policyText === undefined || !deleteSetting(db, ctx, "registryPolicy")) throw registryPolicyNotFound(ctx.account);
        return { registryId: ctx.account, policyText };
      })(),

    PutReplicationConfiguration: (input: PutReplicationConfigurationRequest, ctx: RequestContext) => {
      const config = checkReplication(input.replicationConfiguration!, ctx);
      writeSetting(db, ctx, "replicationConfiguration", config);
      return { replicationConfiguration: config };
    },
  };
}

/** The configuration as stored and returned: only ECR's fields, checked against ECR's rules. */
function checkReplication(config: ReplicationConfiguration, ctx: RequestContext): ReplicationConfiguration {
  const rules = config.rules ?? [];
  if (rules.length > MAX_RULES) throw invalidParameter(`Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'A replication configuration can have at most ${MAX_RULES} rules'`);
  let destinations = 0;
  const out = rules.map((rule) => {
    const dests = rule.destinations ?? [];
    if (dests.length === 0) throw invalidParameter("Invalid parameter at 'replicationConfiguration.rules.destinations' failed to satisfy constraint: 'Member must have length greater than or equal to 1'");
    destinations += dests.length;
    for (const d of dests) {
      if (d.region === ctx.region && d.registryId === ctx.account) {
        throw invalidParameter("Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'A replication destination cannot be the source registry itself'");
      }
    }
    return {
      destinations: dests.map((d) => ({ region: d.region!, registryId: d.registryId! })),
      ...(rule.repositoryFilters?.length ? { repositoryFilters: rule.repositoryFilters.map((f) => ({ filter: f.filter!, filterType: f.filterType! })) } : {}),
    };
  });
  if (destinations > MAX_DESTINATIONS) throw invalidParameter(`Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'A replication configuration can have at most ${MAX_DESTINATIONS} destinations'`);
  return { rules: out };
}
