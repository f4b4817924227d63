import type * as W from "@aws-sdk/client-eventbridge";
import type { Scope } from "../core/arn.js";

/**
 * One delivery to one target, as the delivery worker (and Scheduler) hands it over. The target
 * is EventBridge's Target shape (Scheduler's targets are translated into it).
 */
export interface Delivery {
  scope: Scope;
  target: W.Target;
  /** The text the target receives: the event, Input, or the transformed input. */
  input: string;
  /** The rule or schedule the delivery comes from (an ECS task's startedBy names it). */
  sourceArn: string;
  /** The queued delivery's id: FIFO queues deduplicate on it, so a retried delivery is stored once. */
  id?: number;
  /** Message attributes a dead-letter queue gets (RULE_ARN, TARGET_ARN, ERROR_CODE, ...). */
  attributes?: Record<string, string>;
  /**
   * Removes the queued delivery. A dispatcher that stores the input in Berth's own database (an
   * SQS queue) runs it in that same transaction and says so (deliver resolves true): the worker
   * then pays no commit of its own for the removal, and a crash cannot deliver the event twice.
   */
  dequeue?: () => void;
}

/**
 * Something that can deliver to targets of one kind (ECS clusters, event buses, SQS queues, SNS
 * topics). deliver() resolves once the target has accepted the input and rejects otherwise, so
 * the worker retries or gives the event to the dead-letter queue.
 */
export interface TargetDispatcher {
  /** Whether this dispatcher delivers to the target this ARN names. */
  handles(arn: string): boolean;
  /** Resolves true when it ran the delivery's `dequeue` in the transaction that stored the input. */
  deliver(delivery: Delivery): Promise<boolean | void>;
}

/** Picks the dispatcher for a target; none means the target kind is not supported here. */
export function dispatcherFor(dispatchers: TargetDispatcher[], arn: string): TargetDispatcher | undefined {
  return dispatchers.find((d) => d.handles(arn));
}
