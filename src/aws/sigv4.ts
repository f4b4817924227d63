import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ServiceError } from "../core/errors.js";
import { isRegion } from "../core/config.js";

/** What a request's SigV4 Authorization header says about who is calling and where. */
export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface SignedRequest {
  method: string;
  /** Path and query string exactly as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

// AWS JSON services (ECS among them) answer every signature problem with HTTP 400, not 403:
// `InvalidSignatureException ... status code: 400` is what the SDKs report for ECS.
const incomplete = (message: string) => new ServiceError("IncompleteSignatureException", message);
const invalid = (message: string) => new ServiceError("InvalidSignatureException", message);

/** Long headers are echoed back in messages, as AWS does, but not without limit. */
const echo = (s: string) => (s.length > 512 ? `${s.slice(0, 512)}...` : s);

const hasDateHeader = (headers: SignedRequest["headers"] | undefined) =>
  headers !== undefined && (header(headers, "x-amz-date") !== undefined || header(headers, "date") !== undefined);

/**
 * Parses `AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/ecs/aws4_request, SignedHeaders=..., Signature=...`
 * with AWS's messages for what is missing or malformed. When the request's headers are given,
 * a missing date header is reported together with missing parameters, as AWS reports it.
 */
export function parseAuthorization(value: string, headers?: SignedRequest["headers"]): Credential {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const params = new Map<string, string>();
  if (algorithm === "AWS4-HMAC-SHA256") {
    for (const token of trimmed.slice(algorithm.length).split(/[\s,]+/).filter(Boolean)) {
      const eq = token.indexOf("=");
      if (eq < 0) throw incomplete(`'${echo(token)}' not a valid key=value pair (missing equal-sign) in Authorization header: '${echo(value)}'.`);
      params.set(token.slice(0, eq), token.slice(eq + 1));
    }
  }
  const problems = ["Credential", "Signature", "SignedHeaders"]
    .filter((k) => !params.get(k))
    .map((k) => `Authorization header requires '${k}' parameter.`);
  if (problems.length) {
    if (headers && !hasDateHeader(headers)) problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    throw incomplete(`${problems.join(" ")} Authorization=${echo(value)}`);
  }
  const credential = params.get("Credential")!;
  const scope = credential.split("/");
  if (scope.length !== 5 || !/^\d{8}$/.test(scope[1]!)) {
    throw incomplete(`Credential should look like '<access key id>/YYYYMMDD/<region>/<service>/aws4_request', not '${echo(credential)}'.`);
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  if (terminator !== "aws4_request") throw invalid(`Credential should be scoped with a valid terminator: 'aws4_request', not '${echo(terminator)}'. `);
  if (!isRegion(region)) throw invalid(`Credential should be scoped to a valid region, not '${echo(region)}'. `);
  return { accessKeyId, date, region, service, signedHeaders: params.get("SignedHeaders")!.split(";"), signature: params.get("Signature")! };
}

/** Each request's parsed Authorization header, by the request's headers object. */
const parsedOnce = new WeakMap<object, { value: string; credential: Credential }>();

/**
 * parseAuthorization of a request's own header, parsed once per request: routing by the
 * credential scope (query, restJson1) and resolving the caller both need it. A header that does
 * not parse is parsed again by each caller, which reports it as it must.
 */
export function requestCredential(headers: SignedRequest["headers"], value: string, headersForErrors?: SignedRequest["headers"]): Credential {
  const known = parsedOnce.get(headers);
  if (known?.value === value) return known.credential;
  const credential = parseSigned(value, headersForErrors);
  parsedOnce.set(headers, { value, credential });
  return credential;
}

/**
 * A client sends the same Authorization header on every call but for the signature at its end:
 * what comes before `Signature=` is parsed once and remembered (bounded), the signature taken
 * from the rest. Only for a header whose tail is exactly a 64-digit hex signature after a
 * separator, where parsing the whole would give the same credential with that signature; any
 * other header, and any that fails, is parsed in full every time (its errors are AWS's).
 */
const parsedHeads = new Map<string, Omit<Credential, "signature">>();
const MAX_HEADS = 256;
const MAX_HEAD_LENGTH = 1024;
const SIGNATURE_TAIL = /^[0-9a-f]{64}$/;

function parseSigned(value: string, headersForErrors?: SignedRequest["headers"]): Credential {
  const at = value.lastIndexOf("Signature=");
  const head = at > 0 ? value.slice(0, at) : "";
  const signature = value.slice(at + "Signature=".length);
  const eligible = at > 0 && at <= MAX_HEAD_LENGTH && /[\s,]$/.test(head) && SIGNATURE_TAIL.test(signature);
  if (eligible) {
    const known = parsedHeads.get(head);
    if (known) return { ...known, signature };
  }
  const credential = parseAuthorization(value, headersForErrors);
  if (eligible) {
    if (parsedHeads.size >= MAX_HEADS) parsedHeads.delete(parsedHeads.keys().next().value!);
    const { signature: _s, ...rest } = credential;
    // Shared by every credential parsed from this head: nobody may change it.
    Object.freeze(rest.signedHeaders);
    parsedHeads.set(head, rest);
  }
  return credential;
}

const FIVE_MINUTES = 5 * 60 * 1000;

export interface VerifyOptions {
  /** The service the credential must be scoped to (the model's signingName), e.g. "ecs". */
  service?: string;
}

/**
 * Verifies a SigV4 signature, with AWS's exceptions and messages, in AWS's order: the date
 * header, the 5-minute clock-skew window, the credential scope, then the signature itself.
 * Written here rather than taken from @smithy/signature-v4: that library signs outgoing
 * requests with the header set it chooses, while a verifier must rebuild the canonical request
 * from exactly the headers the client listed in SignedHeaders. The payload hash is always
 * computed from the body received, never taken from x-amz-content-sha256, so a changed body
 * cannot keep a valid signature.
 */
export function verifySignature(req: SignedRequest, cred: Credential, secret: string, now: Date, { service }: VerifyOptions = {}): void {
  const amzDate = header(req.headers, "x-amz-date");
  const dateHeader = header(req.headers, "date");
  const when = amzDate !== undefined ? parseAmzDate(amzDate) : dateHeader !== undefined ? new Date(dateHeader) : undefined;
  if (!when || Number.isNaN(when.getTime())) {
    throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const skew = when.getTime() - now.getTime();
  if (skew < -FIVE_MINUTES) {
    throw invalid(`Signature expired: ${formatAmzDate(when)} is now earlier than ${formatAmzDate(new Date(now.getTime() - FIVE_MINUTES))} (${formatAmzDate(now)} - 5 min.)`);
  }
  if (skew > FIVE_MINUTES) {
    throw invalid(`Signature not yet current: ${formatAmzDate(when)} is still later than ${formatAmzDate(new Date(now.getTime() + FIVE_MINUTES))} (${formatAmzDate(now)} + 5 min.)`);
  }
  if (service !== undefined && cred.service !== service) throw invalid(`Credential should be scoped to correct service: '${service}'. `);
  const longDate = amzDate ?? formatAmzDate(when);
  if (cred.date !== longDate.slice(0, 8)) {
    throw invalid(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${echo(cred.date)}' != '${longDate.slice(0, 8)}', from '${longDate}'.`);
  }
  const expected = Buffer.from(computeSignature(req, cred, secret, longDate));
  const given = Buffer.from(cred.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw invalid("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
  }
}

export function computeSignature(req: SignedRequest, cred: Credential, secret: string, amzDate: string): string {
  const q = req.url.indexOf("?");
  const [rawPath, rawQuery] = q < 0 ? [req.url, ""] : [req.url.slice(0, q), req.url.slice(q + 1)];
  const canonicalHeaders = cred.signedHeaders
    .map((name) => `${name}:${(header(req.headers, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    cred.signedHeaders.join(";"),
    sha256(req.body),
  ].join("\n");
  const scope = `${cred.date}/${cred.region}/${cred.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  return createHmac("sha256", signingKey(secret, cred)).update(stringToSign).digest("hex");
}

/**
 * The derived signing key (four HMACs) changes only with the secret, day, region and service, so
 * strict mode derives it once per such scope, as the SDKs' signers do; bounded, oldest first out.
 */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 64;

function signingKey(secret: string, cred: Credential): Buffer {
  const scope = `${secret}\u0000${cred.date}\u0000${cred.region}\u0000${cred.service}`;
  let key = signingKeys.get(scope);
  if (key === undefined) {
    key = hmac(`AWS4${secret}`, cred.date);
    for (const part of [cred.region, cred.service, "aws4_request"]) key = hmac(key, part);
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(scope, key);
  }
  return key;
}

function header(headers: SignedRequest["headers"], name: string): string | undefined {
  const v = Object.hasOwn(headers, name.toLowerCase()) ? headers[name.toLowerCase()] : undefined;
  return Array.isArray(v) ? v.join(",") : v;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
/** In a query string a + is a space; in a path it is a plus. */
const decodeQuery = (s: string) => decode(s.replace(/\+/g, "%20"));

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
      return [encode(decodeQuery(k)), encode(decodeQuery(v))] as const;
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
