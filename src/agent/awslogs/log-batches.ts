import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_SPAN_MS, eventBytes } from "./log-limits.js";

/**
 * How many events from the head of `queue` make one PutLogEvents batch: at most 10,000 events,
 * 1,048,576 bytes counted as AWS counts them (UTF-8 message plus 26 per event), and 24 hours from
 * the first event to the last. `full` says the batch reached a limit (so it need not wait for more).
 */
export function nextBatch(queue: ReadonlyArray<{ timestamp: number; message: string }>, bytesOf: (i: number) => number = (i) => eventBytes(queue[i]!.message)): { count: number; bytes: number; full: boolean } {
  let bytes = 0;
  const first = queue[0]?.timestamp ?? 0;
  for (let i = 0; i < queue.length; i++) {
    const b = bytesOf(i);
    if (i === MAX_BATCH_EVENTS || bytes + b > MAX_BATCH_BYTES || Math.abs(queue[i]!.timestamp - first) > MAX_BATCH_SPAN_MS) return { count: i, bytes, full: true };
    bytes += b;
  }
  return { count: queue.length, bytes, full: false };
}
