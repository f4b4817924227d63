import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

/**
 * A GET to one of Berth's own endpoints, signed with SigV4 when the environment holds AWS
 * credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, as the AWS CLI reads them), so it is
 * accepted by a strict-SigV4 Berth. Without credentials it goes unsigned, which an open-mode
 * Berth accepts from this machine. The scope's service is "berth": these are Berth's endpoints.
 */
export async function signedGet(url: URL, env: Record<string, string | undefined>): Promise<Response> {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return fetch(url);
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN },
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    service: "berth",
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host },
  });
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host; // fetch sends the same Host itself and refuses to be given one
  return fetch(url, { headers });
}
