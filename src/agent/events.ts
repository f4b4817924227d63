import type Docker from "dockerode";
import type { Logger } from "../core/logger.js";
import { LABEL_BERTH, LABEL_CONTAINER, LABEL_PAUSE, LABEL_TASK } from "./labels.js";

/** A container event that matters to a task manager. */
export interface ContainerEvent {
  taskArn: string;
  /** The container definition's name; undefined for the pause container. */
  container?: string;
  pause: boolean;
  /** die, or health_status (with `health` set). */
  action: "die" | "health_status";
  health?: string;
  containerId: string;
}

export interface EventFeed {
  /** Resolves once the engine has accepted the subscription (events after that are not missed). */
  ready: Promise<void>;
  close(): void;
}

/**
 * One Docker events subscription for the whole runner, filtered to this Berth's containers,
 * dispatching die and health_status to whoever handles the task. If the stream breaks it
 * reconnects and calls `onResync`, since events may have been missed in between.
 */
export function subscribeEvents(docker: Docker, berthId: string, log: Logger, onEvent: (e: ContainerEvent) => void, onResync: () => void): EventFeed {
  let closed = false;
  let current: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let attempts = 0;

  const connect = async (): Promise<void> => {
    if (closed) return;
    try {
      const stream = (await docker.getEvents({ filters: { type: ["container"], label: [`${LABEL_BERTH}=${berthId}`] } })) as typeof current;
      if (closed) {
        stream!.destroy?.();
        return;
      }
      current = stream!;
      if (attempts > 0) onResync();
      attempts = 0;
      markReady();
      let buf = "";
      stream!.on("data", (chunk: Buffer) => {
        buf += chunk.toString("utf8");
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) dispatch(line);
        }
      });
      const again = () => {
        if (current !== stream) return;
        current = undefined;
        retry();
      };
      stream!.on("end", again);
      stream!.on("close", again);
      stream!.on("error", again);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "docker events subscription failed; retrying");
      retry();
    }
  };

  const retry = () => {
    if (closed) return;
    attempts++;
    setTimeout(() => void connect(), Math.min(5000, 100 * 2 ** Math.min(attempts, 6))).unref();
  };

  const dispatch = (line: string) => {
    let ev: { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    try {
      ev = JSON.parse(line);
    } catch {
      return;
    }
    const attrs = ev.Actor?.Attributes ?? {};
    const taskArn = attrs[LABEL_TASK];
    if (!taskArn || !ev.Action) return;
    const base = { taskArn, container: attrs[LABEL_CONTAINER], pause: attrs[LABEL_PAUSE] === "true", containerId: ev.Actor?.ID ?? "" };
    if (ev.Action === "die") onEvent({ ...base, action: "die" });
    else if (ev.Action.startsWith("health_status")) onEvent({ ...base, action: "health_status", health: ev.Action.split(":")[1]?.trim() });
  };

  void connect();
  return {
    ready,
    close() {
      closed = true;
      const s = current;
      current = undefined;
      s?.destroy?.();
      markReady();
    },
  };
}
