import { parseArn, type Scope } from "../../core/arn.js";

/** Container instance ids are 32 lower-case hex characters, like task ids. */
const ID = /^[a-f0-9]{32}$/;

/** The long ARN format ECS uses today: container-instance/<cluster>/<id>. */
export const containerInstanceArn = (s: Scope, cluster: string, id: string) =>
  `arn:aws:ecs:${s.region}:${s.account}:container-instance/${cluster}/${id}`;

/**
 * The ARN a `containerInstance` parameter names, given the request's cluster: an id, a long ARN
 * (container-instance/<cluster>/<id>) or a short one (container-instance/<id>). Undefined when
 * it cannot name an instance of that cluster here.
 */
export function instanceArnOf(scope: Scope, clusterName: string, ref: string): string | undefined {
  if (ID.test(ref)) return containerInstanceArn(scope, clusterName, ref);
  const arn = parseArn(ref);
  if (!arn || arn.service !== "ecs" || arn.type !== "container-instance" || arn.account !== scope.account || arn.region !== scope.region) return undefined;
  if (arn.path.length === 1 && ID.test(arn.path[0]!)) return containerInstanceArn(scope, clusterName, arn.path[0]!);
  if (arn.path.length === 2 && arn.path[0] === clusterName && ID.test(arn.path[1]!)) return ref;
  return undefined;
}
