import { isIPv4 } from "node:net";
import type { DeregisterTargetsInput, DescribeTargetHealthInput, RegisterTargetsInput, TargetDescription, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import { isLoopbackAddress } from "../../core/loopback.js";
import type { Elbv2Deps } from "../deps.js";
import { invalidTarget, validation } from "../errors.js";
import { requireTargetGroup } from "../target-groups/target-groups.js";
import type { StoredTargetGroup } from "../target-groups/target-group-store.js";
import { targetGroupUsers } from "../listeners/listener-store.js";
import { instanceHostIp, putTarget, releaseTarget, targetsOf } from "./target-store.js";
import { draining, instanceStopped, notInUse, notRegistered } from "./target-health.js";
import { drainDeadline } from "./drain.js";

/** The (id, port) a request's target names: its port, else the group's. */
const resolve = (tg: StoredTargetGroup, t: TargetDescription) => ({ id: t.Id!, port: t.Port ?? tg.doc.Port!, availabilityZone: t.AvailabilityZone });

export function targetHandlers({ db, clock, health }: Elbv2Deps): Record<string, Handler> {
  /** Every target is checked before any is stored, so one bad target registers none. */
  function checkTargets(tg: StoredTargetGroup, targets: TargetDescription[], ctx: RequestContext) {
    if (tg.doc.TargetType === "instance") {
      const malformed = targets.find((t) => !/^i-[0-9a-f]{8,17}$/.test(t.Id!));
      if (malformed) throw validation(`Instance ID '${malformed.Id}' is not valid`);
      const notRunning = targets.filter((t) => instanceHostIp(db, ctx, t.Id!) === undefined);
      if (notRunning.length) throw invalidTarget(`The following targets are not in a running state and cannot be registered: ${notRunning.map((t) => `'${t.Id}'`).join(", ")}`);
    } else {
      const bad = targets.find((t) => !isIPv4(t.Id!));
      if (bad) throw validation(`The IP address '${bad.Id}' is not a valid IPv4 address`);
      // Berth's network is this machine's loopback: the data plane sends traffic nowhere else.
      const outside = targets.filter((t) => !isLoopbackAddress(t.Id!));
      if (outside.length) throw invalidTarget(`The following targets are not in the target group's VPC (Berth's is 127.0.0.0/8): ${outside.map((t) => `'${t.Id}'`).join(", ")}`);
    }
    const zone = targets.find((t) => t.AvailabilityZone !== undefined && t.AvailabilityZone !== "all" && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}[a-z]$/.test(t.AvailabilityZone));
    if (zone) throw validation(`Availability zone '${zone.AvailabilityZone}' is not valid`);
  }

  return {
    RegisterTargets: (input: RegisterTargetsInput, ctx: RequestContext) =>
      db.transaction(() => {
        const tg = requireTargetGroup(db, ctx, input.TargetGroupArn);
        const targets = input.Targets ?? [];
        checkTargets(tg, targets, ctx);
        const now = clock.now().getTime();
        for (const t of targets) putTarget(db, tg.doc.TargetGroupArn!, resolve(tg, t), now);
        return {};
      })(),

    DeregisterTargets: (input: DeregisterTargetsInput, ctx: RequestContext) =>
      db.transaction(() => {
        const tg = requireTargetGroup(db, ctx, input.TargetGroupArn);
        const now = clock.now().getTime();
        const registered = targetsOf(db, tg.doc.TargetGroupArn!, now);
        const wanted = (input.Targets ?? []).map((t) => resolve(tg, t));
        const missing = wanted.filter((w) => !registered.some((r) => r.id === w.id && r.port === w.port));
        if (missing.length) {
          throw invalidTarget(`The following targets are not registered in target group '${tg.doc.TargetGroupArn}': ${missing.map((m) => `'${m.id}:${m.port}'`).join(", ")}`);
        }
        const until = drainDeadline(db, tg, now);
        for (const w of wanted) releaseTarget(db, tg.doc.TargetGroupArn!, w, until);
        return {};
      })(),

    DescribeTargetHealth: (input: DescribeTargetHealthInput, ctx: RequestContext) => {
      const tg = requireTargetGroup(db, ctx, input.TargetGroupArn);
      const arn = tg.doc.TargetGroupArn!;
      const registered = targetsOf(db, arn, clock.now().getTime());
      const inUse = targetGroupUsers(db).has(arn);
      const healthCheckPort = (port: number) => (tg.doc.HealthCheckPort === "traffic-port" ? String(port) : tg.doc.HealthCheckPort!);
      const asked = input.Targets?.length ? input.Targets.map((t) => resolve(tg, t)) : registered;
      const descriptions: TargetHealthDescription[] = asked.map((t) => {
        const stored = registered.find((r) => r.id === t.id && r.port === t.port);
        const target = { Id: t.id, Port: t.port, ...(stored?.availabilityZone ? { AvailabilityZone: stored.availabilityZone } : {}) };
        if (!stored) return { Target: target, TargetHealth: notRegistered };
        const state = stored.drainUntil !== undefined ? draining
          : tg.doc.TargetType === "instance" && instanceHostIp(db, ctx, t.id) === undefined ? instanceStopped
          : !inUse ? notInUse : health.healthOf({ targetGroupArn: arn, id: t.id, port: t.port });
        return { Target: target, HealthCheckPort: healthCheckPort(t.port), TargetHealth: state };
      });
      return { TargetHealthDescriptions: descriptions };
    },
  };
}
