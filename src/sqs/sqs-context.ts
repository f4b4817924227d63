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
  const path = pathOf(url);
  const q = path ? sqs.store.get({ account: path[0], region: scope.region }, path[1]) : undefined;
  if (!q) throw queueDoesNotExist();
  return q;
}

/** Queue URLs seen lately, parsed: a client sends the same few on every call, and a WHATWG URL parse per call showed in the server's profile. */
const parsed = new Map<string, readonly [account: string, name: string] | null>();
const MAX_PARSED = 1024;
const MAX_CACHED_URL = 512;

function pathOf(url: string): readonly [string, string] | null {
  let known = parsed.get(url);
  if (known !== undefined) return known;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const [, account, name, ...rest] = path.split("/");
  known = account && name && rest.length === 0 ? [account, name] : null;
  // Bounded in entries and in size, whatever URLs callers make up.
  if (url.length <= MAX_CACHED_URL) {
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
    parsed.set(url, known);
  }
  return known;
}
