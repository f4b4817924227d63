import type { ServiceModel } from "./model.js";
import type { RequestContext } from "./request-context.js";
import type { ValidationCodes } from "./validate-input.js";

// Handlers receive input already validated against the model; their input types come from the
// official @aws-sdk packages at the call site, so `any` here is the registry's erasure only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, ctx: RequestContext) => unknown;

/**
 * One AWS service as the gateway mounts it: its model (which says the protocols it speaks) and
 * a handler per implemented operation. `validation` names the codes its input errors carry when
 * they are not the protocol's usual ones.
 */
export interface AwsService {
  model: ServiceModel;
  handlers: Record<string, Handler>;
  validation?: ValidationCodes;
  /**
   * awsQuery: a further route (a Fastify pattern) where the service takes its requests, as SQS
   * takes them at each queue's URL; the request's own URL fills `urlParam` when the form lacks it.
   */
  queryPath?: { url: string; urlParam: string };
  /** Operations AWS takes unsigned although the model does not say so (SNS's ConfirmSubscription from a SubscribeURL). */
  unsigned?: string[];
}

/** Own properties only: `toString` or `__proto__` must never resolve to an operation. */
export const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

export const clip = (s: string, max = 128) => (s.length > max ? `${s.slice(0, max)}...` : s);
