import type { Scope } from "../core/arn.js";

/** One line of a container's output, as PutLogEvents takes it. */
export interface LogLine {
  /** Milliseconds since the epoch, when the line was read from the container. */
  timestamp: number;
  message: string;
}

/**
 * Where the awslogs driver delivers container output: the CloudWatch Logs store, written with the
 * same rules and read back with the same API as PutLogEvents. Every method is synchronous on the
 * server's database, so a caller can make a delivery and its own bookkeeping (the position it
 * shipped up to) one transaction: a line is then stored once, never twice, across restarts.
 */
export interface LogSink {
  /**
   * The group exists afterwards, created when `create` (awslogs-create-group); throws the
   * CloudWatch Logs ResourceNotFoundException ("The specified log group does not exist.") when it
   * is missing and not to be created.
   */
  ensureGroup(scope: Scope, group: string, create: boolean): void;
  /** The stream exists afterwards (created if missing), in an existing group. */
  ensureStream(scope: Scope, group: string, stream: string): void;
  /** Appends lines in order to a stream; lines AWS would reject (too old for retention, ...) are dropped. */
  append(scope: Scope, group: string, stream: string, lines: LogLine[]): void;
}
