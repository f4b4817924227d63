import type { ShippedEvent } from "../awslogs/log-event-builder.js";

/** Where one container's awslogs output goes, as the agent names it from the task definition. */
export interface LogDestination {
  taskArn: string;
  container: string;
  group: string;
  stream: string;
  /** awslogs-region: the region (in the task's account) whose CloudWatch Logs holds the group. */
  region: string;
  createGroup: boolean;
}

/** CloudWatch Logs refused to open the destination (its error code and message, e.g. ResourceNotFoundException). */
export class LogOpenError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * The agent's way to the control plane's log store (over the agent protocol, docs/agent-protocol.md).
 * open() makes sure the group (per awslogs-create-group) and the stream exist and answers the
 * position already stored for the container; ship() delivers events in order, each with its
 * position, and the control plane stores only those past the position it has, in the same
 * transaction as the new position: a batch sent twice is stored once.
 */
export interface LogShipper {
  /** The position stored for the container (undefined: nothing yet). Throws LogOpenError when the store refuses. */
  open(d: LogDestination): Promise<string | undefined>;
  /** Resolves once the events are stored (or were already). `dropped`: lines mode non-blocking dropped since the last batch. */
  ship(d: LogDestination, events: ShippedEvent[], dropped: number): Promise<void>;
}

/** A shipper the runner can be given before the agent client that implements it exists. */
export function lateShipper(): LogShipper & { attach(s: LogShipper): void } {
  let inner: LogShipper | undefined;
  let attached: () => void = () => {};
  const ready = new Promise<void>((r) => (attached = r));
  return {
    attach(s) {
      inner = s;
      attached();
    },
    async open(d) {
      await ready;
      return inner!.open(d);
    },
    async ship(d, events, dropped) {
      await ready;
      return inner!.ship(d, events, dropped);
    },
  };
}
