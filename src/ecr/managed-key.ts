import { createHash } from "node:crypto";

/**
 * The ARN of the AWS managed KMS key for ECR (alias aws/ecr) of an account and region. AWS
 * creates that key once per account and region; Berth has no KMS, so its key id is derived
 * from the account and region: the same every time, a UUID in form as KMS key ids are.
 */
export function awsManagedEcrKeyArn(account: string, region: string): string {
  const h = createHash("sha256").update(`aws/ecr:${account}:${region}`).digest("hex");
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:kms:${region}:${account}:key/${id}`;
}
