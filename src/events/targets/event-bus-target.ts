import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { TargetDispatcher } from "../target-dispatch.js";
import { BUS_ARN, requireBus } from "../event-buses.js";
import { routeEvent, type BusEvent } from "../event-router.js";

/**
 * Another event bus, of this account or another, as a target: the event is put on it and matched
 * against its rules (into another account only when the bus's policy allows the rule's account or
 * EventBridge, under iamEnforcement: target-role.ts).
 */
export function eventBusTarget({ db, clock, wake }: { db: Db; clock: Clock; wake: () => void }): TargetDispatcher {
  return {
    handles: (arn) => BUS_ARN.test(arn),
    async deliver({ target, input }) {
      const [, region, account, name] = BUS_ARN.exec(target.Arn!)!;
      const scope = { account: account!, region: region! };
      const event = JSON.parse(input) as BusEvent;
      db.transaction(() => {
        requireBus(db, clock, scope, name);
        // The event keeps its id and fields, its account and region too: on another account's bus
        // it is still the sender's event, and the receiver's rules match on its account (as
        // PutPermission's documentation advises them to).
        routeEvent(db, scope, name!, event, clock.now().getTime());
      })();
      wake();
    },
  };
}
