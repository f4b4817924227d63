import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { Pool } from "undici";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";

const bytes = (data: SourceData) => (typeof data === "string" ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));

/** SHA-256 (keyed: HMAC) for the signer from node:crypto; the signer's default is a pure-JavaScript one. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** An SQS error answer, as the client saw it. */
export class SqsCallError extends Error {
  constructor(readonly operation: string, readonly status: number, readonly body: string) {
    super(`${operation}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

/**
 * A minimal SQS client for the benchmark: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`,
 * the protocol SDK v3 speaks to SQS) over an undici keep-alive pool, each request signed with
 * SigV4 by @smithy/signature-v4 (the SDK's own signer, which caches the signing key per
 * credentials, date, region and service). What the SDK adds on top (middleware stack, retries,
 * endpoint rules, schema-driven serde) is left out: it measures the servers with less of the
 * client's own CPU in the way. It checks nothing itself; the bench checks every answer.
 */
export class LightSqsClient {
  private readonly pool: Pool;
  private readonly signer: SignatureV4;
  private readonly host: string;

  constructor(origin: string, { connections, region = "us-east-1", credentials = { accessKeyId: "test", secretAccessKey: "test" } }: { connections: number; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }) {
    this.pool = new Pool(origin, { connections, pipelining: 1 });
    this.signer = new SignatureV4({ credentials, region, service: "sqs", sha256: NodeSha256, applyChecksum: false });
    this.host = new URL(origin).host;
  }

  /** One call; the parsed JSON answer, or SqsCallError for any status but 200. */
  async call<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify(input);
    const signed = await this.signer.sign({
      method: "POST", protocol: "http:", hostname: this.host.split(":")[0]!, path: "/", query: {},
      headers: { host: this.host, "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${operation}` },
      body,
    });
    const res = await this.pool.request({ method: "POST", path: "/", headers: signed.headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new SqsCallError(operation, res.statusCode, text);
    return JSON.parse(text) as T;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
