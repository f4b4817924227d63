import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { TargetDispatcher } from "../target-dispatch.js";
import { requireBus } from "../event-buses.js";
import { routeEvent, type BusEvent } from "../event-router.js";

const BUS_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

/** Another event bus as a target: the event is put on it and matched against its rules. */
export function eventBusTarget({ db, clock, wake }: { db: Db; clock: Clock; wake: () => void }): TargetDispatcher {
  return {
    handles: (arn) => BUS_ARN.test(arn),
    async deliver({ target, input }) {
      const [, region, account, name] = BUS_ARN.exec(target.Arn!)!;
      const scope = { account: account!, region: region! };
      const event = JSON.parse(input) as BusEvent;
      db.transaction(() => {
        requireBus(db, clock, scope, name);
        // The event keeps its id and fields; it is on the other bus in that bus's account and region.
        routeEvent(db, scope, name!, { ...event, account: scope.account, region: scope.region }, clock.now().getTime());
      })();
      wake();
    },
  };
}
