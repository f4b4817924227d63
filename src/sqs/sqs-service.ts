import { loadModel } from "../aws/model.js";
import type { AwsService } from "../aws/service.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import { QueueStore, type Queue } from "./queue-store.js";
import { queueHandlers } from "./queue-handlers.js";
import { sendHandlers, prepare, type SendInput, type SendResult } from "./send.js";
import { receiveHandlers } from "./receive.js";
import { receiptHandlers } from "./receipts.js";
import { messageMoveTaskHandlers } from "./message-move-tasks.js";
import { queueDoesNotExist } from "./errors.js";
import type { SqsContext } from "./sqs-context.js";

/** What other services call: EventBridge and SNS deliver into queues by ARN. */
export interface SqsInternal {
  /**
   * Sends one message to the queue an ARN names, as SendMessage would (same checks, same FIFO
   * deduplication); resolves once it is stored. QueueDoesNotExist when there is no such queue.
   * `alongside` is the caller's write, committed in the same transaction as the message (or, when
   * the message is a FIFO duplicate and not stored again, in a transaction of its own).
   */
  sendInternal(queueArn: string, message: SendInput, senderId?: string, alongside?: () => void): Promise<SendResult>;
  /** Whether the queue exists (SNS checks a subscription's endpoint). */
  exists(queueArn: string): boolean;
  /** Every queue (AWS/SQS metrics read their counts and counters). */
  queues(): Iterable<Queue>;
  /** Resolves once every write asked for so far is stored (before a reset wipes the store). */
  settled(): Promise<void>;
  /** Reads the queues again from the store (after a reset wiped it). */
  reload(): void;
}

/** SQS (awsJson1_0 and the query protocol), its state in memory and in the database. */
export function createSqsService({ db, clock, baseUrl }: { db: Db; clock: Clock; baseUrl: () => string }): { services: AwsService[]; internal: SqsInternal } {
  const store = new QueueStore(db);
  const sqs: SqsContext = { store, clock, baseUrl };
  const internal: SqsInternal = {
    async sendInternal(queueArn, message, senderId, alongside) {
      const q = store.byArn(queueArn);
      if (!q) throw queueDoesNotExist();
      const now = clock.now().getTime();
      store.forgetDedup(q, now);
      const { message: ready, result } = prepare(q, message, senderId ?? q.account, now);
      if (ready) await store.add(q, [ready], alongside);
      else if (alongside) await store.commit.run(alongside);
      return result;
    },
    exists: (arn) => store.byArn(arn) !== undefined,
    queues: () => store.all(),
    settled: () => store.settled(),
    reload: () => store.reload(),
  };
  const handlers = { ...queueHandlers(sqs), ...sendHandlers(sqs), ...receiveHandlers(sqs), ...receiptHandlers(sqs), ...messageMoveTaskHandlers(sqs) };
  const validation = { invalid: "InvalidParameterValue", missing: "MissingParameter" };
  return {
    services: [
      { model: loadModel("sqs"), handlers, validation },
      // The query protocol older SDKs and the AWS CLI v2 of Debian 12 speak: the same handlers,
      // the model of that protocol (models/sqs-query.json), also at each queue's URL.
      { model: loadModel("sqs-query"), handlers, validation, queryPath: { url: "/:account(^\\d{12}$)/:queue", urlParam: "QueueUrl" } },
    ],
    internal,
  };
}
