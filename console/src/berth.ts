import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { credentialsOf, loadSettings } from "./aws";

/**
 * A GET of one of Berth's own endpoints (/_berth/...), signed with SigV4 like the CLI's `berth`
 * calls (service name `berth`) with the credentials entered: under strict SigV4 they are what
 * lets it through, as for the AWS APIs.
 */
export async function berthGet(path: string, query: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
  const s = loadSettings();
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const signer = new SignatureV4({ service: "berth", region: s.region, credentials: credentialsOf(s), sha256: Sha256 });
  const signed = await signer.sign({
    method: "GET", protocol: url.protocol, hostname: url.hostname, path: url.pathname, query,
    headers: { host: url.host }, ...(url.port ? { port: Number(url.port) } : {}),
  });
  // The browser sets Host itself (to the same value that was signed).
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== "host"));
  return fetch(url, { ...init, headers, cache: "no-store" });
}

/** A Berth endpoint's JSON answer; its AWS-shaped error (`__type`, `message`) as an Error of that name. */
export async function berthJson<T>(path: string, query: Record<string, string> = {}): Promise<T> {
  const res = await berthGet(path, query);
  const body = (await res.json().catch(() => ({}))) as T & { __type?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(body.message ?? `${path}: ${res.status}`), { name: body.__type ?? "Error", $metadata: { httpStatusCode: res.status } });
  return body;
}
