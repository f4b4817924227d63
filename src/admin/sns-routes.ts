import type { FastifyInstance } from "fastify";
import { ServiceError } from "../core/errors.js";
import type { SnsOutbox } from "../sns/outbox.js";
import type { SigningIdentity } from "../sns/signing-identity.js";

/**
 * SNS's endpoints outside the API: the signing certificate at the SigningCertURL messages name
 * (public, as AWS's is: subscribers fetch it to verify signatures), and the outbox of what email
 * and SMS subscriptions would have sent (one of Berth's own endpoints, guarded by admin-auth.ts).
 */
export function registerSnsRoutes(app: FastifyInstance, { identity, outbox }: { identity: SigningIdentity; outbox: SnsOutbox }): void {
  app.get(`/${identity.certificateFile}`, async (_req, reply) => reply.type("application/x-x509-ca-cert").send(identity.certificatePem));

  // GET /_berth/sns/outbox?endpoint=a@example.com&protocol=email&after=<seq>: oldest first.
  app.get("/_berth/sns/outbox", async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const after = q.after === undefined ? 0 : Number(q.after);
    if (!Number.isInteger(after) || after < 0) throw new ServiceError("InvalidParameterException", "after must be a message's seq (a non-negative integer).", true, {}, 400);
    return { messages: outbox.list({ endpoint: q.endpoint, protocol: q.protocol, after }) };
  });
  app.delete("/_berth/sns/outbox", async () => ({ deleted: outbox.clear() }));
}
