import type { DescribeCapacityReservationInput, ModifyCapacityReservationInput, ZonalCapacityReservationState } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Db } from "../../store/database.js";
import type { Elbv2Deps } from "../deps.js";
import { capacityDecreaseLimit, invalidConfiguration, validation } from "../errors.js";
import { listenersOf } from "../listeners/listener-store.js";
import type { StoredLoadBalancer } from "./load-balancer-store.js";
import { requireLoadBalancer } from "./load-balancers.js";

/** "You can only decrease the reserved capacity two times per day" (ALB and NLB guides). */
const DECREASES_PER_DAY = 2;
const DAY_MS = 24 * 60 * 60 * 1000;

/** elb_load_balancers.capacity_reservation (migration 34): the units reserved, when, and the recent decreases (epoch ms). */
interface Reservation {
  units?: number;
  modifiedAt: number;
  decreases: number[];
}

function reservationOf(db: Db, arn: string): Reservation | undefined {
  const row = db.prepare("SELECT capacity_reservation AS r FROM elb_load_balancers WHERE arn = ?").get(arn) as { r: string | null } | undefined;
  return row?.r ? (JSON.parse(row.r) as Reservation) : undefined;
}

const decreasesToday = (r: Reservation | undefined, now: number) => (r?.decreases ?? []).filter((t) => now - t < DAY_MS);

/**
 * AWS's answer for a reservation: with none, only the decreases left (Terraform's aws_lb reads
 * this on every refresh and sees no minimum_load_balancer_capacity); with one, each zone holds an
 * even share, already `provisioned` since Berth has no capacity to wait for.
 */
function describe(lb: StoredLoadBalancer, r: Reservation | undefined, now: number) {
  const remaining = DECREASES_PER_DAY - decreasesToday(r, now).length;
  const zones = lb.doc.AvailabilityZones ?? [];
  const state: ZonalCapacityReservationState[] = r?.units === undefined ? [] : zones.map((z) => ({
    AvailabilityZone: z.ZoneName, EffectiveCapacityUnits: r.units! / zones.length, State: { Code: "provisioned" },
  }));
  return {
    ...(r ? { LastModifiedTime: new Date(r.modifiedAt) } : {}),
    DecreaseRequestsRemaining: remaining,
    ...(r?.units !== undefined ? { MinimumLoadBalancerCapacity: { CapacityUnits: r.units } } : {}),
    CapacityReservationState: state,
  };
}

export function capacityReservationHandlers({ db, clock }: Elbv2Deps): Record<string, Handler> {
  return {
    DescribeCapacityReservation: (input: DescribeCapacityReservationInput, ctx: RequestContext) => {
      const lb = requireLoadBalancer(db, ctx, input.LoadBalancerArn);
      return describe(lb, reservationOf(db, lb.doc.LoadBalancerArn!), clock.now().getTime());
    },

    ModifyCapacityReservation: (input: ModifyCapacityReservationInput, ctx: RequestContext) =>
      db.transaction(() => {
        const lb = requireLoadBalancer(db, ctx, input.LoadBalancerArn);
        const units = input.MinimumLoadBalancerCapacity?.CapacityUnits;
        const reset = input.ResetCapacityReservation === true;
        // Terraform resets with an empty MinimumLoadBalancerCapacity beside ResetCapacityReservation, so only units conflict.
        if (reset && units !== undefined) throw validation("You cannot specify both MinimumLoadBalancerCapacity and ResetCapacityReservation");
        if (!reset && units === undefined) throw validation("You must specify either MinimumLoadBalancerCapacity or ResetCapacityReservation");
        if (units !== undefined && units < 1) throw validation(`Capacity units '${units}' must be greater than 0`);
        if (lb.doc.Type === "network" && listenersOf(db, lb.doc.LoadBalancerArn!).some((l) => l.Protocol === "TLS")) {
          throw invalidConfiguration("Capacity reservation is not supported on Network Load Balancers with TLS listeners");
        }
        const now = clock.now().getTime();
        const current = reservationOf(db, lb.doc.LoadBalancerArn!);
        const decreases = decreasesToday(current, now);
        const next = reset ? undefined : units;
        const decrease = current?.units !== undefined && (next === undefined || next < current.units);
        if (decrease && decreases.length >= DECREASES_PER_DAY) {
          throw capacityDecreaseLimit();
        }
        const saved: Reservation = { ...(next !== undefined ? { units: next } : {}), modifiedAt: now, decreases: decrease ? [...decreases, now] : decreases };
        db.prepare("UPDATE elb_load_balancers SET capacity_reservation = ? WHERE arn = ?").run(JSON.stringify(saved), lb.doc.LoadBalancerArn);
        return describe(lb, saved, now);
      })(),
  };
}
