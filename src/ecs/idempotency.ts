import { createHash } from "node:crypto";
import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { conflict } from "./errors.js";

/**
 * clientToken semantics as in ECS: the same token with the same parameters answers with what the
 * first call made; the same token with other parameters is a ConflictException. Call inside the
 * mutation's transaction so the record and the resources it names are written together.
 */
export function recall<T>(db: Db, scope: Scope, operation: string, token: string | undefined, request: unknown): { hash: string; stored?: T } {
  const { clientToken: _omit, ...rest } = (request ?? {}) as Record<string, unknown>;
  const hash = createHash("sha256").update(JSON.stringify(rest)).digest("hex");
  if (!token) return { hash };
  const row = db
    .prepare("SELECT request_hash AS h, response AS r FROM idempotency WHERE account = ? AND region = ? AND operation = ? AND token = ?")
    .get(scope.account, scope.region, operation, token) as { h: string; r: string } | undefined;
  if (!row) return { hash };
  if (row.h !== hash) throw conflict("The specified client token has already been used in a different request. Use a new client token and try again.");
  return { hash, stored: JSON.parse(row.r) as T };
}

export function remember(db: Db, scope: Scope, operation: string, token: string | undefined, hash: string, response: unknown, now: Date): void {
  if (!token) return;
  db.prepare("INSERT INTO idempotency (account, region, operation, token, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .run(scope.account, scope.region, operation, token, hash, JSON.stringify(response), now.getTime());
}
