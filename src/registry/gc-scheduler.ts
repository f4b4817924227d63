import type { Logger } from "../core/logger.js";
import type { GcOptions, GcReport, RegistryStore } from "./registry-store.js";

/** Deletes come in bursts (a lifecycle sweep, BatchDeleteImage, a forced DeleteRepository). */
export const GC_DEBOUNCE_MS = 5_000;

export interface GcScheduler {
  /** A collection that starts after this call (after any one running); resolves with its report. */
  run(): Promise<GcReport>;
  /** Asks for a collection soon: once, GC_DEBOUNCE_MS after the first request of a burst. */
  schedule(): void;
  /** No more collections start; resolves when the one running (if any) is over. */
  stop(): Promise<void>;
}

/**
 * When garbage collection runs: every `intervalSeconds` (0: never on a timer), shortly after
 * anything freed blobs (store.onFreed), and on demand (POST /_berth/registry/gc). Collections
 * never overlap: each waits for the previous one.
 */
export function startGcScheduler(
  { store, log, options, intervalSeconds, debounceMs = GC_DEBOUNCE_MS }:
  { store: RegistryStore; log: Logger; options: GcOptions; intervalSeconds: number; debounceMs?: number },
): GcScheduler {
  let chain: Promise<unknown> = Promise.resolve();
  let pending: NodeJS.Timeout | undefined;
  let stopped = false;

  const collect = async (): Promise<GcReport> => {
    const started = Date.now();
    const report = await store.collectGarbage(options);
    const changed = report.blobsDeleted + report.linksRemoved + report.uploadsExpired > 0;
    log[changed ? "info" : "debug"]({ ...report, ms: Date.now() - started }, "registry garbage collected");
    return report;
  };
  const run = (): Promise<GcReport> => {
    const next = chain.then(collect);
    chain = next.catch(() => undefined);
    return next;
  };
  const background = () => {
    if (!stopped) run().catch((err: unknown) => log.error({ err }, "registry garbage collection failed"));
  };

  const schedule = () => {
    if (stopped || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      background();
    }, debounceMs);
    pending.unref();
  };

  const timer = intervalSeconds > 0 ? setInterval(background, intervalSeconds * 1000) : undefined;
  timer?.unref();
  store.onFreed(schedule);

  return {
    run,
    schedule,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(pending);
      await chain;
    },
  };
}
