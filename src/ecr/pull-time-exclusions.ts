import type { DeregisterPullTimeUpdateExclusionRequest, ListPullTimeUpdateExclusionsRequest, RegisterPullTimeUpdateExclusionRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { Principal, RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { ServiceError } from "../core/errors.js";
import type { EcrDeps } from "./deps.js";
import { paginate } from "./page-token.js";
import { readSetting, writeSetting } from "./registry-settings.js";

/**
 * Pull-time update exclusions: IAM users and roles whose pulls leave an image's
 * lastRecordedPullTime alone (so that, say, a scanner's pulls do not keep images from
 * sinceImagePulled lifecycle rules). Registry-wide, per account and region, in the
 * settings table.
 */
interface Exclusion {
  principalArn: string;
  createdAt: number;
}

/** Berth's limit on exclusions per registry (ECR's quota is not published in the API reference). */
export const MAX_EXCLUSIONS = 100;
const DEFAULT_PAGE = 100;

const stored = (db: Db, scope: Scope) => readSetting<Exclusion[]>(db, scope, "pullTimeUpdateExclusions") ?? [];

/**
 * Whether `principal` is excluded: a user by its ARN; a role session (assumed-role ARN) by the
 * role's, which the exclusion may name with a path.
 */
export function isPullTimeExcluded(db: Db, scope: Scope, principal: Principal | undefined): boolean {
  if (!principal) return false;
  return stored(db, scope).some(({ principalArn }) => {
    if (principal.type === "User") return principalArn === principal.arn;
    const [, , , , account, resource = ""] = principalArn.split(":");
    return account === principal.account && resource.startsWith("role/") && resource.split("/").pop() === principal.name;
  });
}

export function pullTimeExclusionHandlers({ db, clock }: EcrDeps): Record<string, Handler> {
  return {
    RegisterPullTimeUpdateExclusion: (input: RegisterPullTimeUpdateExclusionRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const principalArn = input.principalArn!;
        const all = stored(db, ctx);
        if (all.some((e) => e.principalArn === principalArn)) {
          throw new ServiceError("ExclusionAlreadyExistsException", `The pull time update exclusion for principal '${principalArn}' already exists in the registry with id '${ctx.account}'`);
        }
        if (all.length >= MAX_EXCLUSIONS) {
          throw new ServiceError("LimitExceededException", `The maximum number of pull time update exclusions (${MAX_EXCLUSIONS}) has been reached for the registry with id '${ctx.account}'`);
        }
        const createdAt = clock.now().getTime();
        writeSetting(db, ctx, "pullTimeUpdateExclusions", [...all, { principalArn, createdAt }]);
        return { principalArn, createdAt: new Date(createdAt) };
      })(),
    DeregisterPullTimeUpdateExclusion: (input: DeregisterPullTimeUpdateExclusionRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const principalArn = input.principalArn!;
        const all = stored(db, ctx);
        if (!all.some((e) => e.principalArn === principalArn)) {
          throw new ServiceError("ExclusionNotFoundException", `The pull time update exclusion for principal '${principalArn}' does not exist in the registry with id '${ctx.account}'`);
        }
        writeSetting(db, ctx, "pullTimeUpdateExclusions", all.filter((e) => e.principalArn !== principalArn));
        return { principalArn };
      })(),
    ListPullTimeUpdateExclusions: (input: ListPullTimeUpdateExclusionsRequest, ctx: RequestContext) => {
      const arns = stored(db, ctx).map((e) => e.principalArn).sort();
      const { page, nextToken } = paginate(arns, (a) => [a], { nextToken: input.nextToken, limit: input.maxResults ?? DEFAULT_PAGE });
      return { pullTimeUpdateExclusions: page, nextToken };
    },
  };
}
