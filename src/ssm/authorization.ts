import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";
import { PARAMETER_ARN, parameterArn } from "./parameter-names.js";

/**
 * A parameter's ARN from a name or ARN, without its `:version` or `:label` selector. An ARN is
 * spelled anew in the aws partition: the handlers take any partition's, and a policy written for
 * `arn:aws:ssm:...` must not be slipped past by `arn:aws-cn:ssm:...`.
 */
function parameter({ ctx }: AuthorizedCall, ref: string): string {
  const arn = PARAMETER_ARN.exec(ref);
  if (arn) return `arn:aws:ssm:${arn[1]}:${arn[2]}:parameter/${arn[3]!.split(":")[0]}`;
  if (ref.startsWith("arn:")) return ref;
  return parameterArn(ctx.account, ctx.region, ref.split(":")[0]!);
}

const named = (call: AuthorizedCall) => [parameter(call, call.str("Name") ?? "")];
const listed = (call: AuthorizedCall) => call.list("Names").map((n) => parameter(call, n));
/** The tagging calls name a parameter by ResourceType Parameter and its name; other resource types are on "*". */
const tagged = (call: AuthorizedCall) => (call.str("ResourceType") === "Parameter" ? [parameter(call, call.str("ResourceId") ?? "")] : ["*"]);

/**
 * SSM Parameter Store's actions and their parameter resource
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html):
 * arn:aws:ssm:REGION:ACCOUNT:parameter/NAME (a path's leading slash not doubled). GetParametersByPath
 * is authorized on the path's own ARN (parameter/a/b for /a/b), so a policy on `parameter/a/b/*`
 * alone does not allow it, as in AWS. DescribeParameters is on "*".
 */
export const ssmAuthorization: ServiceAuthorization = {
  arnService: "ssm",
  resources: {
    GetParameter: named, PutParameter: named, DeleteParameter: named, GetParameterHistory: named, LabelParameterVersion: named, UnlabelParameterVersion: named,
    GetParameters: listed, DeleteParameters: listed,
    GetParametersByPath: (call) => [parameter(call, call.str("Path") ?? "")],
    AddTagsToResource: tagged, RemoveTagsFromResource: tagged, ListTagsForResource: tagged,
  },
};
