/**
 * Runtime errors carry a name, as the amazon-ecs-agent's do; users see "<name>: <message>" as the
 * container's reason and the task's stoppedReason (e.g. "CannotPullContainerError: ...").
 */
export type TaskErrorName =
  | "CannotPullContainerError"
  | "CannotCreateContainerError"
  | "CannotStartContainerError"
  | "CannotCreateVolumeError"
  | "ResourceInitializationError"
  | "DependencyNotResolvedError"
  | "OutOfMemoryError";

export class TaskError extends Error {
  constructor(
    readonly errorName: TaskErrorName,
    message: string,
    /** The container the error belongs to, when it belongs to one. */
    readonly container?: string,
  ) {
    super(message);
  }

  /** The text users see: "CannotStartContainerError: Error response from daemon: ..." */
  get reason(): string {
    return `${this.errorName}: ${this.message}`;
  }
}

/** stoppedReason wording: ECS's own where ECS has one, Berth's where the situation is Berth's. */
export const ESSENTIAL_EXITED = "Essential container in task exited";
export const VANISHED = "Task stopped because its containers vanished while Berth was not running";
export const PAUSE_EXITED = "Task stopped because the container holding its network namespace exited";

interface EngineError {
  statusCode?: number;
  json?: unknown;
  message?: string;
}

/** HTTP status of a failed Engine API call, when it was one. */
export function engineStatus(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as EngineError).statusCode : undefined;
}

/**
 * The engine's own words for a failed call, worded as the Docker client (and so the ECS agent)
 * shows them: "Error response from daemon: <message>". dockerode wraps them as
 * "(HTTP code 404) no such container - <message> "; the JSON body holds the bare message.
 */
export function engineMessage(err: unknown): string {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as EngineError;
  const body = e.json as { message?: unknown } | null | undefined;
  let message = typeof body?.message === "string" ? body.message : (e.message ?? String(err));
  if (typeof body?.message !== "string") message = message.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
  return e.statusCode !== undefined ? `Error response from daemon: ${message}` : message;
}
