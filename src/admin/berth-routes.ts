import type { FastifyInstance } from "fastify";
import type { Db } from "../store/database.js";
import { wipe } from "../store/database.js";
import type { TaskRunner } from "../agent/protocol/task-runner.js";
import { ServiceError } from "../core/errors.js";
import type { RegistryStore } from "../registry/registry-store.js";
import { HEALTH_PATH } from "./admin-auth.js";
import { taskLogs, type LogStreamReader } from "../ecs/tasks/task-logs.js";

/**
 * Berth's own endpoints under /_berth: health, reset (for test suites) and task logs. All but
 * health are authenticated by admin-auth.ts.
 */
export function registerBerthRoutes(
  app: FastifyInstance,
  { db, runner, berthId, registry, afterReset, readLogStream }: {
    db: Db; runner: TaskRunner; berthId: string; registry: RegistryStore; afterReset: () => void;
    /** CloudWatch Logs, where awslogs containers' output is read from (absent: every container's output comes from its agent). */
    readLogStream?: LogStreamReader;
  },
) {
  app.get(HEALTH_PATH, async () => ({ status: "ok", berthId }));

  app.post("/_berth/reset", async () => {
    await runner.reset();
    wipe(db);
    await registry.wipeBlobs();
    // A reset Berth is as a fresh one: its configured virtual instances are registered again.
    afterReset();
    return { status: "reset" };
  });

  // `berth logs <task>`: a task id or ARN, in any account and region of this Berth.
  app.get("/_berth/logs", async (req) => {
    const ref = (req.query as Record<string, string | undefined>).task ?? "";
    const row = (
      ref.startsWith("arn:")
        ? db.prepare("SELECT arn FROM tasks WHERE arn = ?").get(ref)
        : /^[a-f0-9]{32}$/.test(ref)
          ? db.prepare("SELECT arn FROM tasks WHERE arn LIKE ? ORDER BY seq DESC LIMIT 1").get(`%/${ref}`)
          : undefined
    ) as { arn: string } | undefined;
    if (!row) throw new ServiceError("InvalidParameterException", `No task ${ref} is known to this Berth.`, true, {}, 404);
    return taskLogs(db, runner, readLogStream, row.arn);
  });
}
