import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { validation } from "./errors.js";
import { BUS_ARN, requireBusByArn } from "./event-buses.js";
import { busEvent, routeEvent, type BusEvent } from "./event-router.js";
import { ServiceError } from "../core/errors.js";

/** AWS: the entries of one PutEvents may total at most 256 KB (as AWS sizes them). */
const MAX_REQUEST_BYTES = 256 * 1024;

const entrySize = (e: W.PutEventsRequestEntry) =>
  (e.Time ? 14 : 0) + Buffer.byteLength(e.Source ?? "") + Buffer.byteLength(e.DetailType ?? "") + Buffer.byteLength(e.Detail ?? "") +
  (e.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0);

/** Why one entry is refused, as PutEvents reports it per entry. */
function entryError(e: W.PutEventsRequestEntry): { ErrorCode: string; ErrorMessage: string } | undefined {
  const missing = (field: string) => ({ ErrorCode: "InvalidArgument", ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` });
  if (!e.Source) return missing("Source");
  if (!e.DetailType) return missing("DetailType");
  if (!e.Detail) return missing("Detail");
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail);
  } catch {
    return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
  }
  if (detail === null || typeof detail !== "object" || Array.isArray(detail)) return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
  // Sources beginning with aws. are AWS's own services'.
  if (e.Source.startsWith("aws.")) return { ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source." };
  return undefined;
}

/**
 * PutEvents: each entry is accepted or refused on its own; the accepted ones are matched against
 * the bus's rules and their deliveries queued by `commit` in one transaction, which the caller may
 * run with other calls' (group commit) before answering. An entry naming another account's bus by
 * its ARN goes on that bus (the event's account stays the caller's, as rules there match on it);
 * `crossAccountDenial` (iamEnforcement) says why the bus's policy refuses it, and the entry alone
 * fails with AccessDeniedException, as on AWS.
 */
export function putEvents(db: Db, clock: Clock, scope: Scope, input: W.PutEventsRequest, crossAccountDenial?: (busArn: string) => string | undefined): { response: W.PutEventsResponse; commit: () => number } {
  const entries = input.Entries!;
  if (entries.reduce((n, e) => n + entrySize(e), 0) > MAX_REQUEST_BYTES) throw validation("Total size of the entries in the request is over the limit.");
  const now = clock.now();
  const routed: Array<{ scope: Scope; bus: string; event: BusEvent }> = [];
  const results = entries.map((e): W.PutEventsResultEntry => {
    const error = entryError(e);
    if (error) return error;
    const named = e.EventBusName !== undefined ? BUS_ARN.exec(e.EventBusName) : null;
    if (named && named[2] !== scope.account && named[1] === scope.region) {
      const denied = crossAccountDenial?.(e.EventBusName!);
      if (denied !== undefined) return { ErrorCode: "AccessDeniedException", ErrorMessage: denied };
    }
    let owner: { scope: Scope; bus: { Name: string } };
    try {
      owner = requireBusByArn(db, clock, scope, e.EventBusName);
    } catch (err) {
      if (err instanceof ServiceError) return { ErrorCode: "ResourceNotFoundException", ErrorMessage: `Event bus ${e.EventBusName?.split("/").pop() ?? "default"} does not exist.` };
      throw err;
    }
    const event = busEvent(scope, { source: e.Source!, detailType: e.DetailType!, resources: e.Resources, detail: JSON.parse(e.Detail!), time: e.Time ?? now });
    routed.push({ scope: owner.scope, bus: owner.bus.Name, event });
    return { EventId: event.id };
  });
  const commit = () => routed.reduce((n, r) => n + routeEvent(db, r.scope, r.bus, r.event, now.getTime()), 0);
  return { response: { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results }, commit };
}
