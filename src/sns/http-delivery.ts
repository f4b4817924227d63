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

/**
 * SNS treats an endpoint's status outside 200-4xx (or no answer within 15 s) as a failed attempt,
 * which the delivery policy retries (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html):
 * a 3xx or 4xx answer ends the delivery.
 */
const endsDelivery = (status: number) => status >= 200 && status < 500;

/** SNS waits this long for an endpoint's answer before counting the attempt as failed. */
const TIMEOUT_MS = 15_000;

/**
 * Delivers SNS's POSTs to http/https endpoints in the background, with the headers SNS sends,
 * trying again after a failure (a connection error, a timeout, or a status of 500 or more) as the
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
      // SNS counts an answer from 200 through 4xx as the endpoint's final word: a 4xx (429
      // included) is neither retried nor sent to the dead-letter queue; 5xx (and other codes) are.
      if (endsDelivery(status)) {
        log.warn({ endpoint: loggable(m.endpoint), messageId: m.messageId, type: m.type, status }, "sns delivery ended by the endpoint's 3xx or 4xx answer; SNS retries only 5xx and failures to answer");
        return;
      }
      failure = `status ${status}`;
    } catch (err) {
      failure = (err as Error).message;
    }
    const next = delays[tried];
    if (next === undefined || stopped) {
      log.warn({ endpoint: loggable(m.endpoint), messageId: m.messageId, type: m.type, attempts: tried + 1, failure }, "sns delivery failed; no retries left");
      if (!stopped) await m.failed?.(`${failure} after ${tried + 1} attempts`);
      return;
    }
    log.info({ endpoint: loggable(m.endpoint), messageId: m.messageId, type: m.type, attempt: tried + 1, failure, retryInSeconds: next }, "sns delivery failed; retrying");
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

/** The endpoint as logs show it: without user:password@ or the query string, where tokens ride. */
function loggable(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    url.search = "";
    return url.toString();
  } catch {
    return "(not a URL)";
  }
}
