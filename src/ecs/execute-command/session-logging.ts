import type { Cluster, ContainerDefinition } from "@aws-sdk/client-ecs";
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
 * Where a session's output goes in CloudWatch Logs, as the cluster's executeCommandConfiguration
 * says: NONE, nowhere; OVERRIDE, its cloudWatchLogGroupName; DEFAULT (or no logging setting), the
 * awslogs group of the container's definition, if it has one. (S3 destinations are not written:
 * docs/compatibility.md.)
 */
export function sessionLog(cluster: Cluster, container: ContainerDefinition | undefined, taskRegion: string): { group: string; region: string } | undefined {
  const exec = cluster.configuration?.executeCommandConfiguration;
  if (exec?.logging === "NONE") return undefined;
  if (exec?.logging === "OVERRIDE") {
    const group = exec.logConfiguration?.cloudWatchLogGroupName;
    return group ? { group, region: taskRegion } : undefined;
  }
  const awslogs = container?.logConfiguration?.logDriver === "awslogs" ? container.logConfiguration.options ?? {} : {};
  const group = awslogs["awslogs-group"];
  return group ? { group, region: awslogs["awslogs-region"] ?? taskRegion } : undefined;
}

/**
 * Records a session's output in its log group, in a stream named after the session (as ECS
 * does), one event per line. The group must exist, as on ECS; when it does not, the session runs
 * unrecorded and a warning says why.
 */
export function sessionRecorders(sink: LogSink, log: Logger) {
  return (target: ExecTarget): SessionRecorder | undefined => {
    const arn = parseArn(target.taskArn);
    if (!target.log || !arn) return undefined;
    const { group } = target.log;
    const scope = { account: arn.account, region: target.log.region };
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
