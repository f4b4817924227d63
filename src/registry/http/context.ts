import type { FastifyReply, FastifyRequest } from "fastify";
import type { Scope } from "../../core/arn.js";
import type { RegistryStore } from "../registry-store.js";

/** What each /v2 handler gets: the request, the reply, the caller's scope and the store. */
export interface Ctx {
  req: FastifyRequest;
  reply: FastifyReply;
  scope: Scope;
  store: RegistryStore;
  /** Whether the caller may read layers of repository `name` (a cross-repository mount's source); absent: it may. */
  mayRead?: (name: string) => boolean;
}

export const blobLocation = (name: string, digest: string) => `/v2/${name}/blobs/${digest}`;
export const uploadLocation = (name: string, id: string) => `/v2/${name}/blobs/uploads/${id}`;
export const manifestLocation = (name: string, digest: string) => `/v2/${name}/manifests/${digest}`;

/** The Range header of upload responses: the inclusive offset of the last byte received. */
export const uploadRange = (size: number) => `0-${Math.max(0, size - 1)}`;

/** The declared Content-Length, or undefined when absent (chunked) or malformed. */
export function contentLength(req: FastifyRequest): number | undefined {
  const h = req.headers["content-length"];
  return typeof h === "string" && /^\d{1,15}$/.test(h) ? Number(h) : undefined;
}

/** True when the request carries a body (a length above zero, or chunked framing). */
export const hasBody = (req: FastifyRequest) => (contentLength(req) ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
