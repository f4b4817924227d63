import type { Db } from "../../store/database.js";
import type { StoredTargetGroup } from "../target-groups/target-group-store.js";
import { targetGroupUsers } from "../listeners/listener-store.js";

/**
 * When a target deregistered now stops draining: a group that receives traffic drains for its
 * deregistration delay; one that receives none (or a delay of 0) lets targets go at once (undefined).
 */
export function drainDeadline(db: Db, tg: StoredTargetGroup, now: number): number | undefined {
  const delay = Number(tg.attributes["deregistration_delay.timeout_seconds"] ?? 300);
  const inUse = targetGroupUsers(db).has(tg.doc.TargetGroupArn!);
  return inUse && delay > 0 ? now + delay * 1000 : undefined;
}
