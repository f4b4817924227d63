import * as IAM from "@aws-sdk/client-iam";

/**
 * Two accounts under strict SigV4, for the cross-account tests: A (the configured default) and B
 * (a 12-digit key is its account), each with root credentials of its own, and IAM users made in
 * either with an inline policy.
 */
export const A = "000000000000";
export const B = "111122223333";
export type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
export const ROOT_A: Creds = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
export const ROOT_B: Creds = { accessKeyId: B, secretAccessKey: "b-secret" };
/** Berth's flags for the two roots. */
export const TWO_ROOTS = ["--strict-sigv4", "--credentials", `${ROOT_A.accessKeyId}:${ROOT_A.secretAccessKey},${ROOT_B.accessKeyId}:${ROOT_B.secretAccessKey}`];

export const config = (endpoint: string, credentials: Creds) => ({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
export const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** A user of `account` with the inline policy `statements` (none: no policy at all), and its keys. */
export async function userWith(endpoint: string, account: string, name: string, statements?: object[]): Promise<Creds> {
  const iam = new IAM.IAMClient(config(endpoint, account === A ? ROOT_A : ROOT_B));
  try {
    await iam.send(new IAM.CreateUserCommand({ UserName: name }));
    if (statements) await iam.send(new IAM.PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: doc(statements) }));
    const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  } finally {
    iam.destroy();
  }
}
