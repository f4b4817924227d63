import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { pendingInvocations } from "../ecs/services/lifecycle-hook-store.js";
import { answerInvocation, presentInvocation, type HookAnswer } from "../ecs/services/lifecycle-hook-answers.js";

export const HOOK_INVOCATIONS_PATH = "/_berth/ecs/lifecycle-hook-invocations";

/**
 * Berth has no Lambda, so ECS deployment lifecycle hooks of type AWS_LAMBDA are answered here, as
 * their functions would answer (one of Berth's own endpoints, guarded by admin-auth.ts):
 *   GET  /_berth/ecs/lifecycle-hook-invocations[?serviceArn=...]: the invocations awaiting an
 *        answer, oldest first, each with the event ECS would send the function (`payload`);
 *   POST /_berth/ecs/lifecycle-hook-invocations/<invocationId> {"hookStatus": "SUCCEEDED" |
 *        "FAILED" | "IN_PROGRESS", "callBackDelay": seconds, "hookDetails": {...}}: the function's return value.
 */
export function registerLifecycleHookRoutes(app: FastifyInstance, { db, clock, poke }: { db: Db; clock: Clock; poke: () => void }): void {
  app.get(HOOK_INVOCATIONS_PATH, async (req) => {
    const serviceArn = (req.query as Record<string, string | undefined>).serviceArn;
    return { invocations: pendingInvocations(db, serviceArn).map(presentInvocation) };
  });

  app.post(`${HOOK_INVOCATIONS_PATH}/:invocationId`, async (req) => {
    const { invocationId } = req.params as { invocationId: string };
    const answer = parseAnswer(req);
    const hook = db.transaction(() => answerInvocation(db, clock.now().getTime(), invocationId, answer))();
    poke();
    return { hookId: hook.hookId, status: hook.status, ...(hook.nextInvokeAt ? { nextInvocationAt: new Date(hook.nextInvokeAt).toISOString() } : {}) };
  });
}

/** Bodies reach routes as raw bytes (server.ts); a body that is not a JSON object is no function's return value. */
function parseAnswer(req: FastifyRequest): HookAnswer {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : typeof req.body === "string" ? req.body : "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ServiceError("InvalidParameterException", 'The body must be a JSON object: {"hookStatus": "SUCCEEDED" | "FAILED" | "IN_PROGRESS", "callBackDelay": seconds}.', true, {}, 400);
  }
  return parsed as HookAnswer;
}
