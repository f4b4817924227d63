import { ServiceError } from "../core/errors.js";
import { validation } from "./errors.js";

/** Parameter names, their ARNs, and the `name:version` / `name:label` selectors GetParameter takes. */
const NAME_MESSAGE =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
const MAX_LEVELS = 15;

export function checkName(name: string): void {
  const bare = name.startsWith("/") ? name.slice(1) : name;
  if (/^(aws|ssm)/i.test(bare) || !/^[A-Za-z0-9_.\-/]+$/.test(name) || name.includes("//") || name.endsWith("/")) throw validation(NAME_MESSAGE);
  if (name.includes("/") && !name.startsWith("/")) throw validation("Parameter name must be a fully qualified name.");
  if (name.split("/").length - 1 > MAX_LEVELS) {
    throw new ServiceError("HierarchyLevelLimitExceededException", `A hierarchy can have a maximum of ${MAX_LEVELS} levels. The parameter name ${name} exceeds that limit.`);
  }
}

/** arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, the leading slash of a path not doubled. */
export const parameterArn = (account: string, region: string, name: string) =>
  `arn:aws:ssm:${region}:${account}:parameter${name.startsWith("/") ? "" : "/"}${name}`;

/** A parameter's ARN in any partition, as the handlers take it: region, account, name (with its selector). */
export const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([^:]*):(\d{12}):parameter\/(.*)$/;

export interface ParameterRef {
  /** Names to try, in order: an ARN's `parameter/a` may be `/a` or `a`. */
  names: string[];
  version?: number;
  label?: string;
  /** `:3` or `:label`, as given (Parameter.Selector). */
  selector?: string;
}

/** A name, ARN, `name:version` or `name:label`, as GetParameter and GetParameters take them. */
export function parseRef(text: string, scope: { account: string; region: string }): ParameterRef | undefined {
  let rest = text;
  let names: string[] | undefined;
  const arn = PARAMETER_ARN.exec(text);
  if (arn) {
    if (arn[1] !== scope.region || arn[2] !== scope.account) return undefined;
    rest = arn[3]!;
  }
  const colon = rest.indexOf(":");
  const name = colon < 0 ? rest : rest.slice(0, colon);
  const selector = colon < 0 ? undefined : rest.slice(colon);
  names = arn ? (name.includes("/") ? [`/${name}`] : [`/${name}`, name]) : [name];
  if (selector === undefined) return { names };
  const s = selector.slice(1);
  if (/^\d+$/.test(s)) return { names, version: Number(s), selector };
  return { names, label: s, selector };
}
