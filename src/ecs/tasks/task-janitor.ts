import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TaskRunner } from "../../agent/protocol/task-runner.js";

/**
 * As in ECS, a STOPPED task stays describable for a while (an hour by default) and then is
 * forgotten; that is also when its containers (and their logs) are removed.
 */
export function startTaskJanitor({ db, clock, runner, log, retentionSeconds }: { db: Db; clock: Clock; runner: TaskRunner; log: Logger; retentionSeconds: number }) {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const cutoff = clock.now().getTime() - retentionSeconds * 1000;
      const expired = db.prepare("SELECT arn FROM tasks WHERE last_status = 'STOPPED' AND stopped_at IS NOT NULL AND stopped_at <= ?").all(cutoff) as Array<{ arn: string }>;
      for (const { arn } of expired) {
        await runner.cleanup(arn);
        db.transaction(() => {
          db.prepare("DELETE FROM tasks WHERE arn = ?").run(arn);
          db.prepare("DELETE FROM tags WHERE arn = ?").run(arn);
        })();
      }
      if (expired.length) log.info({ removed: expired.length }, "expired stopped tasks removed");
    } catch (err) {
      log.error({ err }, "task janitor sweep failed");
    } finally {
      running = false;
    }
  };
  const everyMs = Math.max(1000, Math.min(60_000, (retentionSeconds * 1000) / 2));
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
