import { request } from "node:https";

/** Why an endpoint gave no answer: it took too long, or the connection (TLS included) failed with `code`. */
export class NoAnswer extends Error {
  constructor(readonly timedOut: boolean, readonly code: string) {
    super(timedOut ? "timed out" : `no answer (${code})`);
  }
}

/**
 * One HTTPS request to an API destination's endpoint; resolves to the status once the answer has
 * been read. node:https, not fetch: fetch turns a 407 into a network error (the Fetch standard),
 * where EventBridge treats a 407 as an answer (retried with a fresh OAuth token). No redirect is
 * followed. Certificates are checked against the process's CAs (trustedCaFile adds to them).
 */
export function endpointRequest(url: URL, { method, headers, body, timeoutMs }: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const failed = (err: NodeJS.ErrnoException) => reject(err instanceof NoAnswer ? err : new NoAnswer(false, err.code ?? ""));
    const req = request(url, { method, headers: { ...headers, ...(payload ? { "content-length": String(payload.length) } : {}) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", failed);
    });
    // The whole exchange, not only idle time, must fit in the endpoint's allowance.
    const timer = setTimeout(() => req.destroy(new NoAnswer(true, "ETIMEDOUT")), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", failed);
    req.end(payload);
  });
}
