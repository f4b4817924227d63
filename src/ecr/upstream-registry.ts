import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { isLoopbackHost } from "../core/loopback.js";
import { MAX_MANIFEST_BYTES } from "../registry/manifest.js";

/** What a pull asks for: every manifest type the registry stores. */
const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface UpstreamCredentials { username: string; accessToken: string }

/**
 * The base URL of an upstream registry as a pull-through cache rule names it ("host:port" or
 * a URL). Undefined when Berth may not send it traffic: only loopback hosts (Berth's network
 * rule); a URL without a scheme is plain HTTP, as registries on loopback are.
 */
export function upstreamBase(url: string): URL | undefined {
  let u: URL;
  try {
    u = new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (!isLoopbackHost(host)) return undefined;
  return new URL(`${u.protocol}//${u.host}`);
}

/**
 * A client of the OCI distribution API of an upstream registry, hand-written because it needs
 * only three reads (ping, manifest, blob) and the token dance: a 401 challenge is answered with
 * the rule's credentials as Basic, or exchanged for a Bearer token at the challenge's realm.
 */
export class UpstreamRegistry {
  private authorization: string | undefined;

  constructor(private readonly base: URL, private readonly credentials?: UpstreamCredentials) {}

  /** GET /v2/: whether the registry answers and takes the credentials. */
  async ping(): Promise<void> {
    const res = await this.get("/v2/", "");
    await res.body?.cancel();
    if (!res.ok) throw new Error(`the upstream registry answered ${res.status} to /v2/`);
  }

  async manifest(name: string, reference: string): Promise<{ raw: Buffer; contentType: string } | undefined> {
    const res = await this.get(`/v2/${name}/manifests/${reference}`, `repository:${name}:pull`, { accept: ACCEPT });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new Error(`the upstream registry answered ${res.status} for ${name}:${reference}`);
    const raw = Buffer.from(await res.arrayBuffer());
    if (raw.length > MAX_MANIFEST_BYTES) throw new Error(`the upstream manifest of ${name}:${reference} is too large`);
    return { raw, contentType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim() };
  }

  async blob(name: string, digest: string): Promise<Readable> {
    const res = await this.get(`/v2/${name}/blobs/${digest}`, `repository:${name}:pull`);
    if (!res.ok || !res.body) throw new Error(`the upstream registry answered ${res.status} for blob ${digest} of ${name}`);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  private async get(path: string, scope: string, headers: Record<string, string> = {}): Promise<Response> {
    const send = () => this.fetchOnLoopback(new URL(path, this.base), { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) });
    let res = await send();
    if (res.status !== 401) return res;
    const challenge = res.headers.get("www-authenticate") ?? "";
    await res.body?.cancel();
    this.authorization = await this.answer(challenge, scope);
    if (this.authorization === undefined) return res;
    res = await send();
    return res;
  }

  /**
   * Follows redirects (registries send blobs to storage) only to loopback hosts, Berth's
   * network rule; credentials go only to the registry itself, as HTTP clients do across hosts.
   */
  private async fetchOnLoopback(url: URL, headers: Record<string, string>): Promise<Response> {
    let target = url;
    let h = headers;
    for (let hops = 0; hops < 5; hops++) {
      const res = await fetch(target, { headers: h, redirect: "manual" });
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return res;
      await res.body?.cancel();
      const next = new URL(location, target);
      if (!isLoopbackHost(next.hostname.replace(/^\[|\]$/g, ""))) throw new Error(`the upstream registry redirected to ${next.host}, which is not a loopback address`);
      if (next.host !== target.host) h = Object.fromEntries(Object.entries(h).filter(([k]) => k !== "authorization"));
      target = next;
    }
    throw new Error("the upstream registry redirected too many times");
  }

  private async answer(challenge: string, scope: string): Promise<string | undefined> {
    const basic = this.credentials ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.accessToken}`).toString("base64")}` : undefined;
    if (/^basic/i.test(challenge)) return basic;
    if (!/^bearer/i.test(challenge)) return undefined;
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) return undefined;
    const realm = new URL(params.realm);
    if (!isLoopbackHost(realm.hostname.replace(/^\[|\]$/g, ""))) return undefined;
    if (params.service) realm.searchParams.set("service", params.service);
    if (scope) realm.searchParams.set("scope", scope);
    const res = await this.fetchOnLoopback(realm, basic ? { authorization: basic } : {});
    if (!res.ok) return undefined;
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }
}
