import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { applyOps, type WriteOp } from "./sqs-write-ops.js";

/**
 * SQS's writer: its own connection to the server's database, so that the fsync each acknowledged
 * write waits for (synchronous=FULL) blocks this thread, not the event loop that parses requests.
 * It writes only SQS's tables, which no memoized read (store/until-write.ts) looks at.
 */
const db = new Database(workerData.path as string);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("busy_timeout = 5000");
const statements = new Map<string, Database.Statement>();
const prepare = db.prepare.bind(db);
// One compiled statement per SQL text, as database.ts caches them for the main connection.
db.prepare = ((sql: string) => statements.get(sql) ?? statements.set(sql, prepare(sql)).get(sql)!) as typeof db.prepare;

parentPort!.on("message", ({ id, ops }: { id: number; ops: WriteOp[] }) => {
  try {
    db.transaction(() => applyOps(db, ops))();
    parentPort!.postMessage({ id });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
  }
});
