import type { Statement } from "better-sqlite3";
import type { Db } from "../store/database.js";

/**
 * Prepared statements kept per database for the registry's hottest reads (every manifest and
 * blob request looks up a repository, a tag and a manifest): preparing the SQL again on every
 * call cost as much as running it. Only for statements used with get()/all()/run(), never
 * iterate(): a cached statement must not be busy when the next caller takes it. SQLite
 * re-prepares a statement by itself when the schema changes.
 */
const cache = new WeakMap<Db, Map<string, Statement>>();

export function prepared(db: Db, sql: string): Statement {
  let byText = cache.get(db);
  if (!byText) cache.set(db, (byText = new Map()));
  let stmt = byText.get(sql);
  if (!stmt) byText.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}
