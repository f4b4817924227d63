import Fastify, { type FastifyInstance } from "fastify";
import type { AddressInfo } from "node:net";
import type { Config } from "../../core/config.js";
import type { ServiceModel } from "../model.js";
import type { AwsService } from "../service.js";
import { registerAwsServices } from "../gateway.js";
import { MAX_BODY_BYTES, readRawBody, sendJsonError, sendJsonNotFound } from "../json-gateway.js";

/** What an echo handler does with the next call: return this output, or throw this error. */
export type Answer = { output: unknown } | { error: Error };

/**
 * A service mounted on test-only handlers: every operation of the model records the input it
 * receives (already decoded and validated by the gateway, as a real handler would get it) and
 * answers what the test scripted.
 */
export class EchoService {
  readonly received: { operation: string; input: unknown }[] = [];
  next: Answer = { output: {} };
  /** Answers for the next calls in order, before `next` (for a client driven in one batch). */
  readonly answers: Answer[] = [];
  readonly service: AwsService;

  constructor(model: ServiceModel) {
    const handler = (operation: string) => (input: unknown) => {
      this.received.push({ operation, input });
      const answer = this.answers.shift() ?? this.next;
      if ("error" in answer) throw answer.error;
      return answer.output;
    };
    this.service = { model, handlers: Object.fromEntries(Object.keys(model.operations).map((op) => [op, handler(op)])) };
  }
}

/** Credentials the echo gateway verifies (strict SigV4, so every protocol's signing is exercised). */
export const ECHO_CREDENTIALS = { accessKeyId: "AKIDROUNDTRIP", secretAccessKey: "round-trip-secret" };

/**
 * The real gateway, set up as src/server.ts sets it up (raw bodies, the AWS JSON error handler),
 * over the given services, listening on a loopback port.
 */
export async function startEchoGateway(services: AwsService[]): Promise<{ endpoint: string; app: FastifyInstance }> {
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", readRawBody);
  app.setErrorHandler((err, req, reply) => sendJsonError(err, req, reply));
  app.setNotFoundHandler(sendJsonNotFound);
  const config = {
    accountId: "000000000000", region: "us-east-1", strictSigv4: true,
    credentials: { [ECHO_CREDENTIALS.accessKeyId]: ECHO_CREDENTIALS.secretAccessKey },
  } as unknown as Config;
  registerAwsServices(app, services, { config, clock: { now: () => new Date() } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, app };
}
