import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import type { QueueStore, Queue } from "./queue-store.js";
import { queueDoesNotExist } from "./errors.js";

/** What SQS's operations share: the queues, the clock, and the base of queue URLs. */
export interface SqsContext {
  store: QueueStore;
  clock: Clock;
  /** `http://host:port`, the server's address as clients reach it (known once it listens). */
  baseUrl(): string;
}

export const queueUrl = (sqs: SqsContext, q: Pick<Queue, "account" | "name">) => `${sqs.baseUrl()}/${q.account}/${q.name}`;
export const queueArn = (scope: Scope, name: string) => `arn:aws:sqs:${scope.region}:${scope.account}:${name}`;

/**
 * The queue a QueueUrl names: its path is /<account>/<name>, whatever the host (clients may
 * reach Berth by another name than the one it put in the URL). The region is the caller's.
 */
export function queueOf(sqs: SqsContext, scope: Scope, url: string): Queue {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const [, account, name, ...rest] = path.split("/");
  const q = account && name && rest.length === 0 ? sqs.store.get({ account, region: scope.region }, name) : undefined;
  if (!q) throw queueDoesNotExist();
  return q;
}
