import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Logger } from "../core/logger.js";
import { retryDelays, type RetryPolicy } from "./delivery-policy.js";

/** One POST SNS makes to an http/https subscription's endpoint. */
export interface HttpMessage {
  endpoint: string;
  type: "Notification" | "SubscriptionConfirmation" | "UnsubscribeConfirmation";
  messageId: string;
  topicArn: string;
  /** Absent for SubscriptionConfirmation, as AWS sends it. */
  subscriptionArn?: string;
  raw: boolean;
  body: string;
  contentType: string;
  retry: RetryPolicy;
  /** Called once the retries are used up (the subscription's dead-letter queue takes the message). */
  failed?: (failure: string) => Promise<void> | void;
}

/** SNS waits this long for an endpoint's answer before counting the attempt as failed. */
const TIMEOUT_MS = 15_000;

/**
 * Delivers SNS's POSTs to http/https endpoints in the background, with the headers SNS sends,
 * trying again after a failure (a connection error, a timeout, or a status other than 2xx) as the
 * delivery policy says, then handing it to `failed` (the subscription's dead-letter queue). Pending
 * retries live in memory: a restart forgets them.
 */
export function createHttpDeliverer({ log }: { log: Logger }) {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const attempt = (m: HttpMessage) => new Promise<number>((resolve, reject) => {
    const url = new URL(m.endpoint);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const body = Buffer.from(m.body);
    const req = send(url, {
      method: "POST",
      timeout: TIMEOUT_MS,
      headers: {
        "x-amz-sns-message-type": m.type,
        "x-amz-sns-message-id": m.messageId,
        "x-amz-sns-topic-arn": m.topicArn,
        ...(m.subscriptionArn !== undefined ? { "x-amz-sns-subscription-arn": m.subscriptionArn } : {}),
        ...(m.raw ? { "x-amz-sns-rawdelivery": "true" } : {}),
        "content-type": m.contentType,
        "content-length": body.length,
        "user-agent": "Amazon Simple Notification Service Agent",
      },
    }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body);
  });

  const run = async (m: HttpMessage, delays: number[], tried: number): Promise<void> => {
    if (stopped) return;
    let failure: string;
    try {
      const status = await attempt(m);
      if (status >= 200 && status < 300) return;
      failure = `status ${status}`;
    } catch (err) {
      failure = (err as Error).message;
    }
    const next = delays[tried];
    if (next === undefined || stopped) {
      log.warn({ endpoint: m.endpoint, messageId: m.messageId, type: m.type, attempts: tried + 1, failure }, "sns delivery failed; no retries left");
      if (!stopped) await m.failed?.(`${failure} after ${tried + 1} attempts`);
      return;
    }
    log.info({ endpoint: m.endpoint, messageId: m.messageId, type: m.type, attempt: tried + 1, failure, retryInSeconds: next }, "sns delivery failed; retrying");
    const timer = setTimeout(() => {
      timers.delete(timer);
      run(m, delays, tried + 1).catch((err) => log.error({ err, messageId: m.messageId }, "sns delivery crashed"));
    }, next * 1000);
    timers.add(timer);
  };

  return {
    deliver(m: HttpMessage): void {
      run(m, retryDelays(m.retry), 0).catch((err) => log.error({ err, messageId: m.messageId }, "sns delivery crashed"));
    },
    /** Drops every pending retry (server shutdown, reset). */
    cancelAll(): void {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
    stop(): void {
      stopped = true;
      this.cancelAll();
    },
  };
}

export type HttpDeliverer = ReturnType<typeof createHttpDeliverer>;
