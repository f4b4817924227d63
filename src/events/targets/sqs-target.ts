import type { SqsInternal } from "../../sqs/sqs-service.js";
import type { TargetDispatcher } from "../target-dispatch.js";

const QUEUE_ARN = /^arn:aws[\w-]*:sqs:[a-z0-9-]+:\d{12}:.+$/;

/**
 * An SQS queue as a target (and as a dead-letter queue): the input is the message body; a FIFO
 * queue gets SqsParameters.MessageGroupId and a deduplication id per delivery, so a retry after a
 * crash is stored once; a dead-letter queue's message carries AWS's attributes (RULE_ARN, ...).
 */
export function sqsTarget(sqs: SqsInternal): TargetDispatcher {
  return {
    handles: (arn) => QUEUE_ARN.test(arn),
    async deliver({ target, input, id, attributes, dequeue }) {
      const fifo = target.Arn!.endsWith(".fifo");
      await sqs.sendInternal(target.Arn!, {
        MessageBody: input,
        MessageGroupId: fifo ? target.SqsParameters?.MessageGroupId ?? "events" : undefined,
        MessageDeduplicationId: fifo && id !== undefined ? `delivery-${id}` : undefined,
        MessageAttributes: attributes ? Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }])) : undefined,
      }, "events.amazonaws.com", dequeue);
      return dequeue !== undefined;
    },
  };
}
