import type { Cluster } from "@aws-sdk/client-ecs";
import { parseArn } from "../../core/arn.js";
import type { Logger } from "../../core/logger.js";
import type { LogSink } from "../../logs/log-sink.js";
import type { ExecTarget } from "./exec-sessions.js";

/** What a data channel tells the session log: the session's output, then its end. */
export interface SessionRecorder {
  output(data: Buffer): void;
  end(): void;
}

/**
 * The CloudWatch Logs group a cluster's executeCommandConfiguration sends session output to:
 * logging OVERRIDE with a cloudWatchLogGroupName. (DEFAULT, the container's awslogs group on ECS,
 * and the S3 destination are not recorded: docs/compatibility.md.)
 */
export function sessionLogGroup(cluster: Cluster): string | undefined {
  const exec = cluster.configuration?.executeCommandConfiguration;
  return exec?.logging === "OVERRIDE" ? exec.logConfiguration?.cloudWatchLogGroupName || undefined : undefined;
}

/**
 * Records a session's output in its log group, in a stream named after the session (as ECS
 * does), one event per line. The group must exist, as on ECS; when it does not, the session runs
 * unrecorded and a warning says why.
 */
export function sessionRecorders(sink: LogSink, log: Logger) {
  return (target: ExecTarget): SessionRecorder | undefined => {
    const group = target.logGroup;
    const arn = parseArn(target.taskArn);
    if (!group || !arn) return undefined;
    const scope = { account: arn.account, region: arn.region };
    try {
      sink.ensureGroup(scope, group, false);
      sink.ensureStream(scope, group, target.sessionId);
    } catch (err) {
      log.warn({ sessionId: target.sessionId, logGroup: group, err: (err as Error).message }, "execute command session output is not recorded");
      return undefined;
    }
    let partial = "";
    const append = (lines: string[]) => {
      const now = Date.now();
      const events = lines.map((l) => l.replace(/\r$/, "")).filter((l) => l.length > 0).map((message) => ({ timestamp: now, message }));
      if (!events.length) return;
      try {
        sink.append(scope, group, target.sessionId, events);
      } catch (err) {
        log.warn({ sessionId: target.sessionId, logGroup: group, err: (err as Error).message }, "execute command session output could not be recorded");
      }
    };
    return {
      output(data) {
        const lines = (partial + data.toString("utf8")).split("\n");
        partial = lines.pop()!;
        append(lines);
      },
      end() {
        append([partial]);
        partial = "";
      },
    };
  };
}
