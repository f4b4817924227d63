import type { FastifyInstance } from "fastify";
import { ServiceError } from "../core/errors.js";
import { interruptSpotTask, type SpotDeps } from "../ecs/tasks/spot-interruptions.js";

/**
 * POST /_berth/spot/interrupt {"taskArn": "..."}: an operator's tool, like AWS Fault Injection
 * Service's Spot interruption, that reclaims one FARGATE_SPOT task's capacity now.
 */
export function registerSpotRoutes(app: FastifyInstance, deps: SpotDeps) {
  app.post("/_berth/spot/interrupt", async (req) => {
    // Bodies reach routes as raw bytes (see server.ts); the query string works too.
    let taskArn = (req.query as Record<string, string | undefined>).taskArn;
    const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : typeof req.body === "string" ? req.body : "";
    if (!taskArn && raw.trim()) {
      try {
        taskArn = (JSON.parse(raw) as { taskArn?: string }).taskArn;
      } catch {
        throw new ServiceError("InvalidParameterException", "The body must be JSON: {\"taskArn\": \"...\"}.");
      }
    }
    if (typeof taskArn !== "string" || !taskArn.startsWith("arn:")) throw new ServiceError("InvalidParameterException", "taskArn (a task ARN) is required.");
    const task = interruptSpotTask(deps, taskArn);
    return { taskArn: task.taskArn, desiredStatus: task.desiredStatus, stopCode: task.stopCode, stoppedReason: task.stoppedReason };
  });
}
