import type * as W from "@aws-sdk/client-scheduler";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { conflict, notFound, validation } from "./errors.js";

export const DEFAULT_GROUP = "default";
export const groupArn = (s: Scope, name: string) => `arn:aws:scheduler:${s.region}:${s.account}:schedule-group/${name}`;

interface GroupDoc { Name: string; Arn: string; State: "ACTIVE"; CreationDate: number; LastModificationDate: number }

const present = (g: GroupDoc): W.GetScheduleGroupOutput => ({ ...g, CreationDate: new Date(g.CreationDate), LastModificationDate: new Date(g.LastModificationDate) });

function insert(db: Db, clock: Clock, scope: Scope, name: string): boolean {
  const now = clock.now().getTime();
  const doc: GroupDoc = { Name: name, Arn: groupArn(scope, name), State: "ACTIVE", CreationDate: now, LastModificationDate: now };
  return db.prepare("INSERT OR IGNORE INTO schedule_groups (account, region, name, arn, doc) VALUES (?, ?, ?, ?, ?)").run(scope.account, scope.region, name, doc.Arn, JSON.stringify(doc)).changes > 0;
}

/** The default group exists in every account and region; it is made when first asked for. */
export function findGroup(db: Db, clock: Clock, scope: Scope, name: string): GroupDoc | undefined {
  if (name === DEFAULT_GROUP) insert(db, clock, scope, DEFAULT_GROUP);
  const row = db.prepare("SELECT doc FROM schedule_groups WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as GroupDoc) : undefined;
}

export function requireGroup(db: Db, clock: Clock, scope: Scope, name: string): GroupDoc {
  const g = findGroup(db, clock, scope, name);
  if (!g) throw notFound(`Schedule group ${name} does not exist.`);
  return g;
}

export function createGroup(db: Db, clock: Clock, scope: Scope, input: W.CreateScheduleGroupInput): string {
  return db.transaction(() => {
    if (input.Name === DEFAULT_GROUP || !insert(db, clock, scope, input.Name!)) throw conflict(`Schedule group ${input.Name} already exists.`);
    const arn = groupArn(scope, input.Name!);
    const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
    for (const t of input.Tags ?? []) stmt.run(arn, t.Key, t.Value);
    return arn;
  })();
}

export const getGroup = (db: Db, clock: Clock, scope: Scope, name: string) => present(requireGroup(db, clock, scope, name));

export function listGroups(db: Db, clock: Clock, scope: Scope, input: W.ListScheduleGroupsInput): W.ListScheduleGroupsOutput {
  findGroup(db, clock, scope, DEFAULT_GROUP);
  const rows = db.prepare("SELECT doc FROM schedule_groups WHERE account = ? AND region = ? ORDER BY name").all(scope.account, scope.region) as Array<{ doc: string }>;
  const groups = rows.map((r) => JSON.parse(r.doc) as GroupDoc).filter((g) => input.NamePrefix === undefined || g.Name.startsWith(input.NamePrefix));
  const { page, next } = pageOf(groups, input.NextToken, input.MaxResults);
  return { ScheduleGroups: page.map(present), NextToken: next };
}

/** Deleting a group deletes its schedules; the default group cannot be deleted. */
export function deleteGroup(db: Db, clock: Clock, scope: Scope, name: string): void {
  if (name === DEFAULT_GROUP) throw validation("Cannot delete the default schedule group.");
  db.transaction(() => {
    const g = requireGroup(db, clock, scope, name);
    db.prepare("DELETE FROM schedules WHERE account = ? AND region = ? AND group_name = ?").run(scope.account, scope.region, name);
    db.prepare("DELETE FROM schedule_groups WHERE account = ? AND region = ? AND name = ?").run(scope.account, scope.region, name);
    db.prepare("DELETE FROM tags WHERE arn = ?").run(g.Arn);
  })();
}

/** Offsets as page tokens. */
export function pageOf<T>(items: T[], nextToken: string | undefined, limit: number | undefined): { page: T[]; next?: string } {
  const offset = nextToken === undefined ? 0 : Number.parseInt(Buffer.from(nextToken, "base64url").toString(), 10);
  if (!Number.isSafeInteger(offset) || offset < 0) throw validation("Invalid NextToken.");
  const size = limit ?? 100;
  return { page: items.slice(offset, offset + size), next: offset + size < items.length ? Buffer.from(String(offset + size)).toString("base64url") : undefined };
}
