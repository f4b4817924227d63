import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { RegistryStore } from "../registry/registry-store.js";
import { applyLifecyclePolicy, LIFECYCLE_SETTING } from "./lifecycle-apply.js";

export interface LifecycleSweeper {
  /** Applies every repository's policy now; returns how many images were expired or archived. */
  sweep(): number;
  stop(): void;
}

/**
 * Applies the lifecycle policy of every repository (all accounts and regions) every
 * `intervalSeconds` (0: only when PutLifecyclePolicy is called). ECR promises expiry "within
 * 24 hours"; a local registry can afford to be much quicker. Expired images free blobs, and
 * the store's onFreed hook schedules the garbage collector.
 */
export function startLifecycleSweeper(
  { db, store, clock, log, intervalSeconds }: { db: Db; store: RegistryStore; clock: Clock; log: Logger; intervalSeconds: number },
): LifecycleSweeper {
  const sweep = (): number => {
    let total = 0;
    for (const repo of store.repositoriesWithSetting(LIFECYCLE_SETTING)) {
      try {
        const expired = applyLifecyclePolicy({ db, store, clock }, repo);
        total += expired.length;
        if (expired.length) log.info({ repository: repo.arn, expired }, "lifecycle policy expired images");
      } catch (err) {
        // One repository's failure must not stop the others; it is retried next sweep.
        log.error({ err, repository: repo.arn }, "lifecycle policy could not be applied");
      }
    }
    return total;
  };
  const timer = intervalSeconds > 0 ? setInterval(sweep, intervalSeconds * 1000) : undefined;
  timer?.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
