import type * as W from "@aws-sdk/client-iam";
import type { Handler } from "../aws/service.js";
import type { IamDeps } from "./deps.js";
import { invalidInput } from "./errors.js";
import { iamArn, nameKey } from "./iam-common.js";
import { newUniqueId } from "./iam-ids.js";
import { findRole, insertRole, presentRole, SERVICE_ROLE_PATH, type StoredRole } from "./roles.js";

/** The service-linked roles of the services Berth speaks: the role's name and its AWS managed policy. */
const LINKED: Record<string, { name: string; policy: string }> = {
  "ecs.amazonaws.com": { name: "AWSServiceRoleForECS", policy: "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy" },
  "elasticloadbalancing.amazonaws.com": { name: "AWSServiceRoleForElasticLoadBalancing", policy: "" },
  "ecs.application-autoscaling.amazonaws.com": { name: "AWSServiceRoleForApplicationAutoScaling_ECSService", policy: "" },
  "autoscaling.amazonaws.com": { name: "AWSServiceRoleForAutoScaling", policy: "" },
};

export function serviceLinkedRoleHandlers({ db, clock }: IamDeps): Record<string, Handler> {
  return {
    CreateServiceLinkedRole: (input: W.CreateServiceLinkedRoleRequest, ctx) => {
      const service = input.AWSServiceName!;
      const linked = Object.hasOwn(LINKED, service) ? LINKED[service]! : undefined;
      if (!linked) throw invalidInput(`Unrecognized service principal: ${service}. Berth knows the service-linked roles of ${Object.keys(LINKED).join(", ")}.`);
      const name = input.CustomSuffix ? `${linked.name}_${input.CustomSuffix}` : linked.name;
      if (findRole(db, ctx.account, name)) throw invalidInput(`Service role name ${name} has been taken in this account, please try a different suffix.`);
      const path = `${SERVICE_ROLE_PATH}${service}/`;
      const role: StoredRole = {
        Path: path, RoleName: name, RoleId: newUniqueId("AROA"), Arn: iamArn(ctx.account, "role", path, name), CreateDate: clock.now().toISOString(),
        AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: [service] }, Action: ["sts:AssumeRole"] }] }),
        ...(input.Description === undefined ? {} : { Description: input.Description }), MaxSessionDuration: 3600, Tags: [],
      };
      db.transaction(() => {
        insertRole(db, ctx.account, role);
        if (linked.policy) db.prepare("INSERT INTO iam_attachments (account, entity_type, entity_key, policy_arn) VALUES (?, 'role', ?, ?)").run(ctx.account, nameKey(name), linked.policy);
      })();
      return { Role: presentRole(role, { tags: false }) };
    },
  };
}
