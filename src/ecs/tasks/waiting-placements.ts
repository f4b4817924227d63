import type { PlacementConstraint, PlacementStrategy } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";

/** The constraints and strategies a task asked to be placed under. */
export interface WaitingPlacement {
  constraints: PlacementConstraint[];
  strategies: PlacementStrategy[];
}

/**
 * A task that waits for an Auto Scaling group provider's capacity is placed later, by the
 * capacity scaler, under the constraints and strategies its RunTask or service asked for. The
 * task document has no place for them (ECS's Task shape shows neither), so they are kept beside
 * it until the task is placed; the row goes with the task (ON DELETE CASCADE).
 */
export function saveWaitingPlacement(db: Db, taskArn: string, p: WaitingPlacement): void {
  db.prepare("INSERT OR REPLACE INTO waiting_placements (task_arn, constraints, strategies) VALUES (?, ?, ?)").run(taskArn, JSON.stringify(p.constraints), JSON.stringify(p.strategies));
}

export function waitingPlacement(db: Db, taskArn: string): WaitingPlacement | undefined {
  const row = db.prepare("SELECT constraints, strategies FROM waiting_placements WHERE task_arn = ?").get(taskArn) as { constraints: string; strategies: string } | undefined;
  return row && { constraints: JSON.parse(row.constraints) as PlacementConstraint[], strategies: JSON.parse(row.strategies) as PlacementStrategy[] };
}

export function forgetWaitingPlacement(db: Db, taskArn: string): void {
  db.prepare("DELETE FROM waiting_placements WHERE task_arn = ?").run(taskArn);
}
