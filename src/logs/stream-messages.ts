import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { findGroup } from "./log-groups.js";
import { findStream } from "./log-streams.js";
import { getLogEvents } from "./get-log-events.js";

/**
 * Every message of a stream, oldest first, read as GetLogEvents pages them (`berth logs` for
 * containers that log with awslogs); undefined when the group or the stream does not exist.
 */
export function streamMessages(db: Db, scope: Scope, group: string, stream: string): string[] | undefined {
  const g = findGroup(db, scope, group);
  const s = g && findStream(db, g, stream);
  if (!s) return undefined;
  const out: string[] = [];
  let nextToken: string | undefined;
  for (;;) {
    const page = getLogEvents(db, s, { startFromHead: true, nextToken });
    if (!page.events?.length) return out;
    out.push(...page.events.map((e) => e.message ?? ""));
    nextToken = page.nextForwardToken;
  }
}
