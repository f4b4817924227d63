import { createHash, randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import type { SqsInternal } from "../sqs/sqs-service.js";
import type { Logger } from "../core/logger.js";
import { deadLetterTargetOf } from "./redrive-policy.js";
import type { Subscription, Topic } from "./sns-store.js";
import { confirmationEnvelope, notificationEnvelope, subscribeUrl, unsubscribeUrl, type EnvelopeSigner, type SnsAttribute } from "./envelope.js";
import { effectivePolicy } from "./delivery-policy.js";
import type { HttpDeliverer } from "./http-delivery.js";
import type { SnsOutbox } from "./outbox.js";

type SendInput = Parameters<SqsInternal["sendInternal"]>[1];

/** One published message on its way to a subscription. */
export interface Published {
  messageId: string;
  subject?: string;
  /** The message this subscription's protocol gets (MessageStructure json picks per protocol). */
  message: string;
  /** The whole Message as published (FIFO content-based deduplication hashes it). */
  original: string;
  attributes: Record<string, SnsAttribute>;
  timestamp: Date;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  sequenceNumber?: string;
}

const signatureVersion = (t: Topic): "1" | "2" => (t.attributes["SignatureVersion"] === "2" ? "2" : "1");

/**
 * Hands a published message (or a confirmation) to a subscription by its protocol: into the SQS
 * queue (stored before Publish answers), POSTed to an http/https endpoint (in the background,
 * with retries), or into the local outbox for email, email-json and sms. What cannot be
 * delivered goes to the subscription's dead-letter queue (RedrivePolicy).
 */
export function createDelivery({ sqs, signer, http, outbox, clock, log, queueGate }: {
  sqs: SqsInternal; signer: EnvelopeSigner; http: HttpDeliverer; outbox: SnsOutbox; clock: Clock; log: Logger;
  /** With iamEnforcement: whether the queue's policy lets SNS deliver the topic's messages into it (undefined: yes; else why not). */
  queueGate?: (queueArn: string, topicArn: string) => string | undefined;
}) {
  const scopeOf = (t: Topic) => ({ account: t.account, region: t.region });
  const envelope = (t: Topic, s: Subscription, p: Published) => notificationEnvelope(signer, {
    messageId: p.messageId, topicArn: t.arn, subject: p.subject, message: p.message, timestamp: p.timestamp, attributes: p.attributes,
    subscriptionArn: s.arn, sequenceNumber: p.sequenceNumber, signatureVersion: signatureVersion(t),
  });

  /**
   * A message the subscription could not take goes to the SQS queue its RedrivePolicy names, as
   * it would have been delivered (the envelope, or the raw message with its attributes); without
   * one, or when that queue cannot take it either, it is dropped and logged.
   */
  async function deadLetter(s: Subscription, message: SendInput, failure: string): Promise<void> {
    const dlq = deadLetterTargetOf(s.attributes["RedrivePolicy"]);
    const refused = dlq ? queueGate?.(dlq, s.topicArn) : undefined;
    if (dlq && refused) log.error({ subscriptionArn: s.arn, dlq, err: refused }, "could not send a failed sns delivery to its dead-letter queue");
    else if (dlq && sqs.exists(dlq)) {
      try {
        await sqs.sendInternal(dlq, message, "sns.amazonaws.com");
        log.warn({ subscriptionArn: s.arn, dlq, failure }, "sns delivery failed; message sent to the dead-letter queue");
        return;
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        log.error({ subscriptionArn: s.arn, dlq, err: err.message }, "could not send a failed sns delivery to its dead-letter queue");
      }
    }
    log.warn({ subscriptionArn: s.arn, failure }, "sns delivery failed; message dropped");
  }

  async function deliver(t: Topic, s: Subscription, p: Published): Promise<void> {
    const raw = s.attributes["RawMessageDelivery"] === "true";
    switch (s.protocol) {
      case "sqs": {
        const message: SendInput = {
          MessageBody: raw ? p.message : envelope(t, s, p),
          ...(raw && Object.keys(p.attributes).length ? { MessageAttributes: p.attributes } : {}),
          ...(p.messageGroupId !== undefined ? { MessageGroupId: p.messageGroupId, MessageDeduplicationId: p.messageDeduplicationId ?? createHash("sha256").update(p.original).digest("hex") } : {}),
        };
        // A queue that is gone, or that refuses the message (too large with the envelope), is a client error: no retries.
        if (!sqs.exists(s.endpoint)) return deadLetter(s, message, `queue ${s.endpoint} does not exist`);
        const refused = queueGate?.(s.endpoint, t.arn);
        if (refused) return deadLetter(s, message, refused);
        await sqs.sendInternal(s.endpoint, message).catch((err: unknown) => {
          if (!(err instanceof ServiceError)) throw err;
          return deadLetter(s, message, err.message);
        });
        return;
      }
      case "http":
      case "https": {
        const policy = effectivePolicy(t.attributes["DeliveryPolicy"], s.attributes["DeliveryPolicy"]);
        const body = raw ? p.message : envelope(t, s, p);
        http.deliver({
          endpoint: s.endpoint, type: "Notification", messageId: p.messageId, topicArn: t.arn, subscriptionArn: s.arn, raw,
          body, contentType: policy.contentType, retry: policy.retry,
          // After the delivery policy's retries.
          failed: (failure) => deadLetter(s, { MessageBody: body, ...(raw && Object.keys(p.attributes).length ? { MessageAttributes: p.attributes } : {}) }, failure),
        });
        return;
      }
      case "email":
        outbox.record(scopeOf(t), {
          protocol: "email", endpoint: s.endpoint, messageId: p.messageId, topicArn: t.arn, subscriptionArn: s.arn, type: "Notification",
          subject: p.subject ?? "AWS Notification Message", timestamp: p.timestamp.toISOString(),
          body: `${p.message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${unsubscribeUrl(signer, s.arn)}\n`,
        });
        return;
      case "email-json":
        outbox.record(scopeOf(t), {
          protocol: "email-json", endpoint: s.endpoint, messageId: p.messageId, topicArn: t.arn, subscriptionArn: s.arn, type: "Notification",
          subject: p.subject ?? "AWS Notification Message", timestamp: p.timestamp.toISOString(), body: envelope(t, s, p),
        });
        return;
      case "sms":
        outbox.record(scopeOf(t), { protocol: "sms", endpoint: s.endpoint, messageId: p.messageId, topicArn: t.arn, subscriptionArn: s.arn, type: "Notification", timestamp: p.timestamp.toISOString(), body: p.message });
        return;
    }
  }

  /** The SubscriptionConfirmation (or UnsubscribeConfirmation) a pending http/https or email subscription gets. */
  function confirm(t: Topic, s: Subscription, type: "SubscriptionConfirmation" | "UnsubscribeConfirmation"): void {
    const timestamp = clock.now();
    const messageId = randomUUID();
    const token = s.token!;
    const body = confirmationEnvelope(signer, { type, messageId, topicArn: t.arn, subscriptionArn: s.arn, token, timestamp, signatureVersion: signatureVersion(t) });
    if (s.protocol === "http" || s.protocol === "https") {
      const policy = effectivePolicy(t.attributes["DeliveryPolicy"], s.attributes["DeliveryPolicy"]);
      http.deliver({
        endpoint: s.endpoint, type, messageId, topicArn: t.arn, ...(type === "UnsubscribeConfirmation" ? { subscriptionArn: s.arn } : {}),
        raw: false, body, contentType: policy.contentType, retry: policy.retry,
      });
      return;
    }
    if (s.protocol === "email" || s.protocol === "email-json") {
      outbox.record(scopeOf(t), {
        protocol: s.protocol, endpoint: s.endpoint, messageId, topicArn: t.arn, type, subject: "AWS Notification - Subscription Confirmation", timestamp: timestamp.toISOString(),
        body: s.protocol === "email-json" ? body
          : `You have chosen to subscribe to the topic:\n${t.arn}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\n${subscribeUrl(signer, t.arn, token)}\n`,
      });
    }
  }

  return { deliver, confirm };
}

export type Delivery = ReturnType<typeof createDelivery>;
