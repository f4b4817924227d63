/** Amazon Resource Names as ECS forms them (the long ARN format, with the cluster in task ARNs). */
export interface Scope {
  account: string;
  region: string;
}

const base = (service: string, { region, account }: Scope) => `arn:aws:${service}:${region}:${account}`;

export const clusterArn = (s: Scope, name: string) => `${base("ecs", s)}:cluster/${name}`;
export const taskDefinitionArn = (s: Scope, family: string, revision: number) =>
  `${base("ecs", s)}:task-definition/${family}:${revision}`;
export const taskArn = (s: Scope, cluster: string, id: string) => `${base("ecs", s)}:task/${cluster}/${id}`;
export const containerArn = (s: Scope, cluster: string, id: string) => `${base("ecs", s)}:container/${cluster}/${id}`;

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the account, e.g. "task/dev/0123abcd". */
  resource: string;
  /** The resource type: the part of `resource` before the first '/'. */
  type: string;
  /** The parts after the type. */
  path: string[];
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(arn);
  if (!m) return undefined;
  const resource = m[5]!;
  const [type, ...path] = resource.split("/");
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource, type: type!, path };
}

export const isArn = (s: string) => s.startsWith("arn:");
