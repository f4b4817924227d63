import { randomUUID } from "node:crypto";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { ServiceError } from "../core/errors.js";
import { invalidValue, unsupported } from "./errors.js";
import { queueUrl, type SqsContext } from "./sqs-context.js";
import type { Message, Queue } from "./queue-store.js";

/** One message move task, as ListMessageMoveTasks shows it. */
interface MoveTask {
  taskHandle: string;
  status: "COMPLETED" | "FAILED";
  sourceArn: string;
  destinationArn?: string;
  maxNumberOfMessagesPerSecond?: number;
  moved: number;
  toMove: number;
  failureReason?: string;
  startedAt: number;
}

const notFound = (message: string) => new ServiceError("ResourceNotFoundException", message);
/** ListMessageMoveTasks shows at most the 10 latest tasks of a source. */
const KEPT = 10;

/**
 * DLQ redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask. A task moves
 * every message of the dead-letter queue that is not in flight, in one step when it starts (its
 * messages are in memory and one commit stores the move), to DestinationArn or, without one, to
 * the queue each message came from (its DeadLetterQueueSourceArn). Moved messages arrive as new
 * in their queue: a new MessageId and SentTimestamp, visible, never received. A task is therefore never RUNNING when a client next
 * looks; the tasks are kept in memory (the latest 10 per source) and a restart forgets them.
 * Under iamEnforcement the caller's SendMessage on each message's own queue is asked as the task
 * moves it (the gateway asked the rest at the call): a refusal fails the task, not the call.
 */
export function messageMoveTaskHandlers(sqs: SqsContext): Record<string, Handler> {
  const { store, clock } = sqs;
  const tasks = new Map<string, MoveTask[]>();

  /** A queue of the caller's account and region by its ARN. */
  const queueByArn = (arn: string | undefined, ctx: RequestContext, what: string): Queue => {
    const q = arn ? store.byArn(arn) : undefined;
    if (!q || q.account !== ctx.account || q.region !== ctx.region) throw notFound(`The resource that you specified for the ${what} parameter doesn't exist.`);
    return q;
  };

  /** Why the caller may not send to `target` (AWS's AccessDenied message), under iamEnforcement; undefined when it may. */
  const sendRefusal = (target: Queue, ctx: RequestContext): string | undefined => {
    try {
      ctx.authorizeAlso?.("SendMessage", { QueueUrl: queueUrl(sqs, target) });
      return undefined;
    } catch (err) {
      if (err instanceof ServiceError) return err.message;
      throw err;
    }
  };

  const isDeadLetterQueue = (dlq: Queue) =>
    store.list(dlq).some((q) => {
      const p = q.attributes["RedrivePolicy"];
      return p !== undefined && (JSON.parse(p) as { deadLetterTargetArn: string }).deadLetterTargetArn === dlq.arn;
    });

  const start: Handler = async (input: { SourceArn: string; DestinationArn?: string; MaxNumberOfMessagesPerSecond?: number }, ctx: RequestContext) => {
    const source = queueByArn(input.SourceArn, ctx, "SourceArn");
    const rate = input.MaxNumberOfMessagesPerSecond;
    if (rate !== undefined && (rate < 1 || rate > 500)) {
      throw invalidValue(`Value ${rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500, if provided.`);
    }
    const destination = input.DestinationArn !== undefined ? queueByArn(input.DestinationArn, ctx, "DestinationArn") : undefined;
    if (!isDeadLetterQueue(source)) throw unsupported("Source queue must be configured as a Dead Letter Queue.");
    if (destination && destination.fifo !== source.fifo) throw unsupported("The source queue and the destination queue must be of the same type.");

    const now = clock.now().getTime();
    const waiting = [...source.messages.values()].filter((m) => m.visibleAt <= now || m.receiveCount === 0);
    // Without a destination, each message goes back where it was redriven from.
    const byTarget = new Map<Queue, Message[]>();
    const stranded: Message[] = [];
    for (const m of waiting) {
      const target = destination ?? (m.deadLetterSourceArn ? store.byArn(m.deadLetterSourceArn) : undefined);
      if (!target) stranded.push(m);
      else byTarget.set(target, [...(byTarget.get(target) ?? []), m]);
    }
    // Each message's way back is the caller's own SendMessage to its queue: checked at the call for
    // DestinationArn (authorization.ts), and here, per queue, for the queues the messages name. A
    // queue that refuses it keeps its messages in the DLQ and fails the task, as a move the task
    // could not make (ListMessageMoveTasks shows the refusal as its FailureReason).
    let refusal: string | undefined;
    if (!destination) {
      for (const [target, messages] of byTarget) {
        const denied = sendRefusal(target, ctx);
        if (denied === undefined) continue;
        refusal ??= denied;
        byTarget.delete(target);
        stranded.push(...messages);
      }
    }
    const moving = [...byTarget.values()].flat();
    await Promise.all([
      store.remove(source, moving.map((m) => m.seq)),
      // "A new messageID and enqueueTime are assigned to redriven messages" (the redrive guide):
      // the retention period starts again, where the original send time would expire them at once.
      ...[...byTarget].map(([target, messages]) => store.add(target, messages.map(({ seq: _seq, ...m }) => ({
        ...m, id: randomUUID(), sentAt: now, deadLetterSourceArn: undefined, visibleAt: now, receiveCount: 0, firstReceiveAt: undefined, receipt: undefined,
      })))),
    ]);

    const task: MoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn })).toString("base64"),
      status: stranded.length ? "FAILED" : "COMPLETED",
      sourceArn: source.arn,
      destinationArn: destination?.arn,
      maxNumberOfMessagesPerSecond: rate,
      moved: moving.length,
      toMove: waiting.length,
      failureReason: refusal ?? (stranded.length ? `${stranded.length} messages have no source queue to return to: it was deleted, or they were not redriven from one.` : undefined),
      startedAt: now,
    };
    tasks.set(source.arn, [task, ...(tasks.get(source.arn) ?? [])].slice(0, KEPT));
    return { TaskHandle: task.taskHandle };
  };

  const list: Handler = (input: { SourceArn: string; MaxResults?: number }, ctx: RequestContext) => {
    const source = queueByArn(input.SourceArn, ctx, "SourceArn");
    const max = input.MaxResults ?? 1;
    if (max < 1 || max > 10) throw invalidValue(`Value ${max} for parameter MaxResults is invalid. Reason: Must be between 1 and 10, if provided.`);
    return {
      Results: (tasks.get(source.arn) ?? []).slice(0, max).map((t) => ({
        Status: t.status, SourceArn: t.sourceArn, DestinationArn: t.destinationArn, MaxNumberOfMessagesPerSecond: t.maxNumberOfMessagesPerSecond,
        ApproximateNumberOfMessagesMoved: t.moved, ApproximateNumberOfMessagesToMove: t.toMove, FailureReason: t.failureReason, StartedTimestamp: t.startedAt,
      })),
    };
  };

  // Tasks finish as they start: there is never a running one to cancel.
  const cancel: Handler = (input: { TaskHandle: string }) => {
    const known = [...tasks.values()].flat().some((t) => t.taskHandle === input.TaskHandle);
    if (known) throw unsupported("Only active tasks can be cancelled.");
    throw notFound("Task does not exist.");
  };

  return { StartMessageMoveTask: start, ListMessageMoveTasks: list, CancelMessageMoveTask: cancel };
}
