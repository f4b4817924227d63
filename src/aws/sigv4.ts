import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ServiceError } from "../core/errors.js";

/** What a request's SigV4 Authorization header says about who is calling and where. */
export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const incomplete = (message: string) => new ServiceError("IncompleteSignatureException", message, true, {}, 400);

/** Parses `AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/ecs/aws4_request, SignedHeaders=..., Signature=...`. */
export function parseAuthorization(header: string): Credential {
  const [algorithm, ...rest] = header.trim().split(/\s+/);
  if (algorithm !== "AWS4-HMAC-SHA256") {
    throw incomplete(`Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${algorithm ?? ""}`);
  }
  const parts = new Map<string, string>();
  for (const p of rest.join("").split(",")) {
    const i = p.indexOf("=");
    if (i > 0) parts.set(p.slice(0, i).trim(), p.slice(i + 1).trim());
  }
  const missing = ["Credential", "Signature", "SignedHeaders"].filter((k) => !parts.get(k));
  if (missing.length) {
    throw incomplete(missing.map((k) => `Authorization header requires '${k}' parameter.`).join(" "));
  }
  const scope = parts.get("Credential")!.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !/^\d{8}$/.test(scope[1]!)) {
    throw incomplete(`Credential should be scoped to a valid region, not '${scope[2] ?? ""}'. `);
  }
  return {
    accessKeyId: scope[0]!,
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: parts.get("SignedHeaders")!.split(";"),
    signature: parts.get("Signature")!,
  };
}

export interface SignedRequest {
  method: string;
  /** Path and query string exactly as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

const FIVE_MINUTES = 5 * 60 * 1000;

/**
 * Verifies a SigV4 signature. Written here rather than taken from @smithy/signature-v4: that
 * library signs outgoing requests with the header set it chooses, while a verifier must rebuild
 * the canonical request from exactly the headers the client listed in SignedHeaders.
 */
export function verifySignature(req: SignedRequest, cred: Credential, secret: string, now: Date): void {
  const amzDate = header(req.headers, "x-amz-date") ?? "";
  const when = parseAmzDate(amzDate) ?? (header(req.headers, "date") ? new Date(header(req.headers, "date")!) : undefined);
  if (!when || Number.isNaN(when.getTime())) {
    throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const skew = when.getTime() - now.getTime();
  if (skew < -FIVE_MINUTES) {
    throw new ServiceError("InvalidSignatureException",
      `Signature expired: ${formatAmzDate(when)} is now earlier than ${formatAmzDate(new Date(now.getTime() - FIVE_MINUTES))} (${formatAmzDate(now)} - 5 min.)`, true, {}, 403);
  }
  if (skew > FIVE_MINUTES) {
    throw new ServiceError("InvalidSignatureException",
      `Signature not yet current: ${formatAmzDate(when)} is still later than ${formatAmzDate(new Date(now.getTime() + FIVE_MINUTES))} (${formatAmzDate(now)} + 5 min.)`, true, {}, 403);
  }
  const expected = computeSignature(req, cred, secret, amzDate || formatAmzDate(when));
  const a = Buffer.from(expected);
  const b = Buffer.from(cred.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new ServiceError("InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", true, {}, 403);
  }
}

export function computeSignature(req: SignedRequest, cred: Credential, secret: string, amzDate: string): string {
  const [rawPath, rawQuery = ""] = req.url.split("?", 2) as [string, string?];
  const canonicalHeaders = cred.signedHeaders
    .map((name) => `${name}:${(header(req.headers, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const payloadHash = header(req.headers, "x-amz-content-sha256") ?? sha256(req.body);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    cred.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${cred.date}/${cred.region}/${cred.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  let key: Buffer = hmac(`AWS4${secret}`, cred.date);
  for (const part of [cred.region, cred.service, "aws4_request"]) key = hmac(key, part);
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

function header(headers: SignedRequest["headers"], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, "%20"));
  } catch {
    return s;
  }
};

/** Non-S3 services normalise the path and encode each segment twice. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const s of path.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") segments.pop();
    else segments.push(s);
  }
  const joined = "/" + segments.map((s) => encode(encode(decode(s)))).join("/");
  return path.endsWith("/") && segments.length ? joined + "/" : joined;
}

function canonicalQuery(query: string): string {
  return query
    .split("&")
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf("=");
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? "" : p.slice(i + 1);
      return [encode(decode(k)), encode(decode(v))] as const;
    })
    .filter(([k]) => k !== "X-Amz-Signature")
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

const formatAmzDate = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
