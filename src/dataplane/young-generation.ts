import v8 from "node:v8";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * The data plane worker's semi-space, in MB (its young generation is two of them). Every proxied
 * request leaves about 3 KiB of short-lived garbage (parser strings, heads, write requests); with
 * V8's default young generation (4 MB in this worker: little survives, so V8 never grows it) that
 * is a scavenge every ~550 requests, about 18 per 10,000, each pausing the loop and delaying
 * about 1% of requests by up to its pause: right at the p99 that issue 10 is about. At 16 MB the
 * scavenges are about 8x rarer (bench/lb-tail.ts, docs/benchmarks.md "Load balancer"), under the
 * p99 horizon, for 24 MB more memory in the worker.
 */
export const DATA_PLANE_SEMI_SPACE_MB = 16;

/**
 * A Worker whose isolate has semi-spaces of `semiSpaceMb`. Neither execArgv (V8 options are
 * refused there) nor resourceLimits.maxYoungGenerationSizeMb (a ceiling V8 never grows to when
 * little survives) can do it; V8's flags can, read once when an isolate is made. So they are set
 * for this worker alone: just before it starts, and back to V8's defaults (0: V8 sizes it) once
 * its isolate exists ('online'). A Worker created elsewhere in that moment would get them too
 * (Berth makes no other).
 */
export function workerWithSemiSpace(url: URL, semiSpaceMb: number, options?: WorkerOptions): Worker {
  v8.setFlagsFromString(`--min-semi-space-size=${semiSpaceMb}`);
  v8.setFlagsFromString(`--max-semi-space-size=${semiSpaceMb}`);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    v8.setFlagsFromString("--min-semi-space-size=0");
    v8.setFlagsFromString("--max-semi-space-size=0");
  };
  try {
    const worker = new Worker(url, options);
    worker.once("online", restore);
    worker.once("error", restore);
    worker.once("exit", restore);
    return worker;
  } catch (err) {
    restore();
    throw err;
  }
}
