import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { RE2JS } from "re2js";
import { datetimeFormatToRegex } from "./datetime-format.js";

/** A container's awslogs options, read once from its logConfiguration. */
export interface AwslogsConfig {
  group: string;
  region: string;
  /** awslogs-stream-prefix; without it the stream is named after the container's engine id. */
  streamPrefix?: string;
  /** awslogs-create-group "true". */
  createGroup: boolean;
  /** awslogs-datetime-format or awslogs-multiline-pattern as a Go regular expression anchored at the start: a line that matches starts an event. */
  eventStart?: string;
  /** mode non-blocking: output that does not fit in maxBufferBytes is dropped (and counted) rather than waited for. */
  nonBlocking: boolean;
  maxBufferBytes: number;
}

/** Docker's default max-buffer-size for mode non-blocking (1m). */
export const DEFAULT_MAX_BUFFER_BYTES = 1024 * 1024;

/** Sizes as Docker reads max-buffer-size (go-units RAMInBytes): a number with an optional binary unit. */
export function parseBufferSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }[m[2]!.toLowerCase() as "" | "k"]!;
  return Math.floor(Number(m[1]) * unit);
}

/** A logger option the Docker awslogs driver would refuse; its words, as "failed to validate logger args: ..." shows them. */
export class LoggerArgsError extends Error {}

/** The container's awslogs configuration, or undefined when it logs with another driver. Throws LoggerArgsError on options Docker refuses. */
export function awslogsConfig(def: ContainerDefinition): AwslogsConfig | undefined {
  const lc = def.logConfiguration;
  if (lc?.logDriver !== "awslogs") return undefined;
  const o = lc.options ?? {};
  const group = o["awslogs-group"];
  const region = o["awslogs-region"];
  if (!group || !region) throw new LoggerArgsError("awslogs-group and awslogs-region are required");
  const datetime = o["awslogs-datetime-format"];
  const multiline = o["awslogs-multiline-pattern"];
  if (datetime && multiline) throw new LoggerArgsError("you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time");
  const eventStart = datetime ? `^${datetimeFormatToRegex(datetime)}` : multiline ? `^${multiline}` : undefined;
  if (eventStart !== undefined) {
    try {
      RE2JS.compile(eventStart);
    } catch (err) {
      throw new LoggerArgsError(`awslogs could not parse multiline pattern key: ${(err as Error).message}`);
    }
  }
  const createGroup = o["awslogs-create-group"];
  if (createGroup !== undefined && !["true", "false", "1", "0", "t", "f", "TRUE", "FALSE", "True", "False", "T", "F"].includes(createGroup)) {
    throw new LoggerArgsError(`strconv.ParseBool: parsing "${createGroup}": invalid syntax`);
  }
  const mode = o["mode"] ?? "blocking";
  if (mode !== "blocking" && mode !== "non-blocking") throw new LoggerArgsError(`logger: logging mode not supported: ${mode}`);
  let maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES;
  if (o["max-buffer-size"] !== undefined) {
    if (mode !== "non-blocking") throw new LoggerArgsError("logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    const size = parseBufferSize(o["max-buffer-size"]);
    if (size === undefined) throw new LoggerArgsError(`logger: could not parse max-buffer-size: ${o["max-buffer-size"]}`);
    maxBufferBytes = size;
  }
  return {
    group,
    region,
    streamPrefix: o["awslogs-stream-prefix"] || undefined,
    createGroup: ["true", "1", "t", "TRUE", "True", "T"].includes(createGroup ?? ""),
    eventStart,
    nonBlocking: mode === "non-blocking",
    maxBufferBytes,
  };
}

/** The stream ECS names: prefix/container-name/task-id, or the container's engine id without a prefix (as the driver does). */
export function awslogsStreamName(c: AwslogsConfig, containerName: string, taskId: string, containerId: string): string {
  return c.streamPrefix ? `${c.streamPrefix}/${containerName}/${taskId}` : containerId;
}
