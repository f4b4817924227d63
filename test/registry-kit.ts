import { createHash, randomBytes } from "node:crypto";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand, type CreateRepositoryCommandInput } from "@aws-sdk/client-ecr";
import type { BerthProcess } from "./harness.js";

/** Helpers for the registry's end-to-end tests: ECR clients, tokens and raw /v2 requests. */
export function ecr(berth: BerthProcess, region = "us-east-1", accessKeyId = "test"): ECRClient {
  return new ECRClient({ endpoint: berth.endpoint, region, credentials: { accessKeyId, secretAccessKey: "test" }, maxAttempts: 1 });
}

/** The registry password GetAuthorizationToken hands out (the part after `AWS:`). */
export async function registryPassword(berth: BerthProcess, region = "us-east-1", accessKeyId = "test"): Promise<string> {
  const { authorizationData } = await ecr(berth, region, accessKeyId).send(new GetAuthorizationTokenCommand({}));
  const decoded = Buffer.from(authorizationData![0]!.authorizationToken!, "base64").toString();
  if (!decoded.startsWith("AWS:")) throw new Error(`unexpected token ${decoded}`);
  return decoded.slice(4);
}

export async function createRepository(berth: BerthProcess, input: CreateRepositoryCommandInput, region = "us-east-1"): Promise<void> {
  await ecr(berth, region).send(new CreateRepositoryCommand(input));
}

export const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
export const sha512 = (b: Buffer | string) => `sha512:${createHash("sha512").update(b).digest("hex")}`;

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

/** A /v2 client with Basic `AWS:<password>` auth (none when password is undefined). */
export class Oci {
  constructor(readonly endpoint: string, readonly password: string | undefined) {}

  async req(method: string, path: string, { body, headers = {} }: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Res> {
    const h: Record<string, string> = { ...headers };
    if (this.password !== undefined) h.authorization = `Basic ${Buffer.from(`AWS:${this.password}`).toString("base64")}`;
    const res = await fetch(this.endpoint + path, { method, headers: h, body: body as BodyInit | undefined, redirect: "manual" });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  /** Monolithic push of a blob; returns its digest. */
  async pushBlob(name: string, content: Buffer | string): Promise<string> {
    const digest = sha256(content);
    const res = await this.req("POST", `/v2/${name}/blobs/uploads/?digest=${digest}`, { body: content, headers: { "content-type": "application/octet-stream" } });
    if (res.status !== 201) throw new Error(`blob push failed: ${res.status} ${res.text}`);
    return digest;
  }

  async pushManifest(name: string, reference: string, manifest: object, mediaType = OCI_MANIFEST): Promise<Res> {
    return this.req("PUT", `/v2/${name}/manifests/${reference}`, { body: JSON.stringify(manifest), headers: { "content-type": mediaType } });
  }

  /** A small image (config + one random layer) pushed under `reference`; returns its manifest and digest. */
  async pushImage(name: string, reference: string, extra: Record<string, unknown> = {}): Promise<{ manifest: any; digest: string; res: Res }> {
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", n: randomBytes(4).toString("hex") }));
    const layer = randomBytes(64);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await this.pushBlob(name, config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: await this.pushBlob(name, layer), size: layer.length }],
      ...extra,
    };
    const res = await this.pushManifest(name, reference, manifest);
    if (res.status !== 201) throw new Error(`manifest push failed: ${res.status} ${res.text}`);
    return { manifest, digest: sha256(JSON.stringify(manifest)), res };
  }
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

export const errorCode = (res: Res): string | undefined => {
  try {
    return res.json().errors?.[0]?.code;
  } catch {
    return undefined;
  }
};
