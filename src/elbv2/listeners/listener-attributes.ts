import type { DescribeListenerAttributesInput, Listener, ListenerAttribute, ModifyListenerAttributesInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Db } from "../../store/database.js";
import type { Elbv2Deps } from "../deps.js";
import { invalidConfiguration, validation } from "../errors.js";
import { isListenerAttributeKey, listenerAttributeSpec } from "./listener-attribute-spec.js";
import { requireListener } from "./listeners.js";

/** The values ModifyListenerAttributes set on a listener (elb_listeners.attributes, migration 34). */
function storedAttributes(db: Db, arn: string): Record<string, string> {
  const row = db.prepare("SELECT attributes FROM elb_listeners WHERE arn = ?").get(arn) as { attributes: string | null } | undefined;
  return row?.attributes ? (JSON.parse(row.attributes) as Record<string, string>) : {};
}

/**
 * The listener's attributes as AWS shows them: the protocol's shown defaults, then what was set.
 * Values set under another protocol (ModifyListener changed it) no longer apply and are not shown.
 */
export function listenerAttributes(db: Db, listener: Listener): Record<string, string> {
  const spec = listenerAttributeSpec(listener.Protocol);
  const shown = Object.entries(spec).flatMap(([key, s]) => (s.shown === undefined ? [] : [[key, s.shown] as const]));
  const set = Object.entries(storedAttributes(db, listener.ListenerArn!)).filter(([key, value]) => Object.hasOwn(spec, key) && value !== "");
  return { ...Object.fromEntries(shown), ...Object.fromEntries(set) };
}

/** Every change checked before any is kept, so one bad attribute changes nothing. */
function applyChanges(listener: Listener, current: Record<string, string>, changes: ListenerAttribute[]): Record<string, string> {
  const spec = listenerAttributeSpec(listener.Protocol);
  const next = { ...current };
  for (const { Key = "", Value = "" } of changes) {
    if (!Object.hasOwn(spec, Key)) {
      if (!isListenerAttributeKey(Key)) throw validation(`Listener attribute key '${Key}' is not recognized`);
      throw invalidConfiguration(`Listener attribute key '${Key}' is not supported on listeners with protocol '${listener.Protocol}'`);
    }
    const s = spec[Key]!;
    const reason = Value === "" && s.shown !== undefined ? "must not be empty" : s.check(Value);
    if (reason) throw validation(`Listener attribute value '${Value}' for key '${Key}' is not valid: it ${reason}`);
    next[Key] = Value;
  }
  return next;
}

const asList = (attrs: Record<string, string>): ListenerAttribute[] => Object.entries(attrs).map(([Key, Value]) => ({ Key, Value }));

export function listenerAttributeHandlers({ db }: Elbv2Deps): Record<string, Handler> {
  return {
    DescribeListenerAttributes: (input: DescribeListenerAttributesInput, ctx: RequestContext) => {
      const { listener } = requireListener(db, ctx, input.ListenerArn);
      return { Attributes: asList(listenerAttributes(db, listener)) };
    },

    ModifyListenerAttributes: (input: ModifyListenerAttributesInput, ctx: RequestContext) =>
      db.transaction(() => {
        const { listener } = requireListener(db, ctx, input.ListenerArn);
        const stored = applyChanges(listener, storedAttributes(db, listener.ListenerArn!), input.Attributes ?? []);
        // An emptied header value or name is its default again, and another protocol's values no longer apply: nothing to keep.
        const spec = listenerAttributeSpec(listener.Protocol);
        const kept = Object.fromEntries(Object.entries(stored).filter(([k, v]) => v !== "" && Object.hasOwn(spec, k)));
        db.prepare("UPDATE elb_listeners SET attributes = ? WHERE arn = ?").run(JSON.stringify(kept), listener.ListenerArn);
        return { Attributes: asList(listenerAttributes(db, listener)) };
      })(),
  };
}
