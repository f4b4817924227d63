import type { Db } from "../src/store/database.js";
import type { LogSink } from "../src/logs/log-sink.js";

/**
 * The LogSink the awslogs bench stores into, counting what it stores. Until the CloudWatch Logs
 * store is on main this is an in-memory stand-in; once it is, the bench uses the store itself.
 */
export function benchSink(_db: Db): { sink: LogSink; count: () => number; close: () => void } {
  let stored = 0;
  const groups = new Set<string>();
  return {
    sink: {
      ensureGroup: (_s, g) => void groups.add(g),
      ensureStream: () => {},
      append: (_s, _g, _st, lines) => void (stored += lines.length),
    },
    count: () => stored,
    close: () => {},
  };
}
