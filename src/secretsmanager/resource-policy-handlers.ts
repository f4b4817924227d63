import type {
  DeleteResourcePolicyRequest, GetResourcePolicyRequest, PutResourcePolicyRequest, ValidateResourcePolicyRequest,
} from "@aws-sdk/client-secrets-manager";
import type { Handler } from "../aws/service.js";
import { requireSecret, saveDoc, type SecretDeps } from "./secret-store.js";
import { grantsBroadAccess, parseSecretPolicy, publicPolicy, storedPolicyText, validationErrors } from "./resource-policy.js";

/**
 * Put/Get/Delete/ValidateResourcePolicy. The policy is kept in the secret's document (so it goes
 * with the secret when the secret is deleted) and never shown by DescribeSecret or ListSecrets,
 * as on AWS. A secret scheduled for deletion refuses all but ValidateResourcePolicy.
 */
export function resourcePolicyHandlers(deps: SecretDeps): Record<string, Handler> {
  const { db } = deps;
  const tx = <T>(f: () => T): T => db.transaction(f)();

  const PutResourcePolicy: Handler = (input: PutResourcePolicyRequest, ctx) =>
    tx(() => {
      const s = requireSecret(deps, ctx.account, ctx.region, input.SecretId!);
      const policy = parseSecretPolicy(input.ResourcePolicy!);
      if (input.BlockPublicPolicy === true && grantsBroadAccess(policy)) throw publicPolicy();
      saveDoc(db, { ...s, doc: { ...s.doc, ResourcePolicy: storedPolicyText(input.ResourcePolicy!) } });
      return { ARN: s.arn, Name: s.name };
    });

  const GetResourcePolicy: Handler = (input: GetResourcePolicyRequest, ctx) => {
    const s = requireSecret(deps, ctx.account, ctx.region, input.SecretId!);
    // A secret without a policy answers without ResourcePolicy, not with an error.
    return { ARN: s.arn, Name: s.name, ResourcePolicy: s.doc.ResourcePolicy };
  };

  const DeleteResourcePolicy: Handler = (input: DeleteResourcePolicyRequest, ctx) =>
    tx(() => {
      const s = requireSecret(deps, ctx.account, ctx.region, input.SecretId!);
      const { ResourcePolicy: _removed, ...doc } = s.doc;
      saveDoc(db, { ...s, doc });
      return { ARN: s.arn, Name: s.name };
    });

  const ValidateResourcePolicy: Handler = (input: ValidateResourcePolicyRequest, ctx) => {
    // SecretId is optional; given, it must name a secret.
    if (input.SecretId !== undefined) requireSecret(deps, ctx.account, ctx.region, input.SecretId, { deleted: true });
    const errors = validationErrors(input.ResourcePolicy!);
    return { PolicyValidationPassed: errors.length === 0, ValidationErrors: errors };
  };

  return { PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy, ValidateResourcePolicy };
}
