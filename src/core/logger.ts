import { pino, type Logger } from "pino";

export type { Logger };

/** Structured logs, one line per event. Secrets never reach a log line: see `redact`. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ["*.authorization", "*.secretAccessKey", "*.password", "headers.authorization"], remove: true },
  });
}
