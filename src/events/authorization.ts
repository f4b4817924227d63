import { nameOf, type AuthorizedCall, type ServiceAuthorization } from "../iam/service-authorization.js";
import { PASSED_TO, passRoles } from "../iam/pass-role.js";

/** A bus's name from a name or ARN; absent: the default bus. */
const busName = (ref: string | undefined) => (ref === undefined ? "default" : nameOf(ref));
/** A bus's ARN: as given when named by ARN (another account's bus is authorized as that account's), else in the caller's account. */
const bus = (call: AuthorizedCall, ref: string | undefined) => (ref?.startsWith("arn:") && ref.includes(":event-bus/") ? ref : call.arn(`event-bus/${busName(ref)}`));
/** A rule's ARN: rule/NAME on the default bus, rule/BUS/NAME on another. */
const rule = (call: AuthorizedCall) => {
  const name = busName(call.str("EventBusName"));
  return [call.arn(`rule/${name === "default" ? "" : `${name}/`}${call.str("Name") ?? call.str("Rule") ?? ""}`)];
};
const namedBus = (member: string) => (call: AuthorizedCall) => [bus(call, call.str(member))];

/**
 * Amazon EventBridge (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html):
 * rule actions on the rule's ARN; bus actions on the bus's; PutEvents on the bus of each entry.
 * ListRules, ListEventBuses and TestEventPattern are on "*".
 */
export const eventsAuthorization: ServiceAuthorization = {
  arnService: "events",
  resources: {
    ...Object.fromEntries(["PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule", "PutTargets", "RemoveTargets", "ListTargetsByRule"].map((op) => [op, rule])),
    CreateEventBus: namedBus("Name"), DeleteEventBus: namedBus("Name"), DescribeEventBus: namedBus("Name"), UpdateEventBus: namedBus("Name"),
    PutPermission: namedBus("EventBusName"), RemovePermission: namedBus("EventBusName"),
    PutEvents: (call) => {
      const entries = Array.isArray(call.input["Entries"]) ? (call.input["Entries"] as { EventBusName?: unknown }[]) : [];
      return [...new Set(entries.map((e) => bus(call, typeof e.EventBusName === "string" ? e.EventBusName : undefined)))];
    },
  },
  // An entry for another account's bus that its policy refuses fails alone (cross-account-put.ts).
  perEntry: ["PutEvents"],
  /** The bus's policy (PutPermission), decided with the caller's identity policies. */
  resourcePolicy(db, arn) {
    const row = db.prepare("SELECT doc FROM event_buses WHERE arn = ?").get(arn) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as { Policy?: string }).Policy || undefined : undefined;
  },
  // A rule's or target's RoleArn is handed to EventBridge, which delivers as that role: the caller
  // must be allowed iam:PassRole on it to events.amazonaws.com (AmazonEventBridgeFullAccess grants it so).
  dependentActions: {
    PutRule: (call) => passRoles(PASSED_TO.events, [call.str("RoleArn")]),
    PutTargets: (call) => {
      const targets = Array.isArray(call.input["Targets"]) ? (call.input["Targets"] as { RoleArn?: unknown }[]) : [];
      return passRoles(PASSED_TO.events, targets.map((t) => (typeof t?.RoleArn === "string" ? t.RoleArn : undefined)));
    },
  },
};
