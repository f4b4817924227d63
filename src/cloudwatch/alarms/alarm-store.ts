import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { AlarmState } from "./evaluate-datapoints.js";

/** An alarm as stored: DescribeAlarms' shape (dates as ISO strings in the JSON), with its type. */
export type StoredAlarm =
  | { type: "MetricAlarm"; alarm: MetricAlarm }
  | { type: "CompositeAlarm"; alarm: CompositeAlarm };

export const alarmArn = ({ region, account }: Scope, name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;

interface Row {
  type: "MetricAlarm" | "CompositeAlarm";
  doc: string;
}

const DATES = ["AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp"];

function fromRow(row: Row): StoredAlarm {
  const alarm = JSON.parse(row.doc) as Record<string, unknown>;
  for (const k of DATES) if (typeof alarm[k] === "string") alarm[k] = new Date(alarm[k] as string);
  return { type: row.type, alarm } as StoredAlarm;
}

/** The alarms' rows: one per alarm (name unique in an account and region), children, history. */
export class AlarmStore {
  constructor(private readonly db: Db) {}

  get(scope: Scope, name: string): StoredAlarm | undefined {
    const row = this.db.prepare("SELECT type, doc FROM cw_alarms WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as Row | undefined;
    return row && fromRow(row);
  }

  /** Every alarm of the scope, by name (DescribeAlarms' order). */
  list(scope: Scope): StoredAlarm[] {
    const rows = this.db.prepare("SELECT type, doc FROM cw_alarms WHERE account = ? AND region = ? ORDER BY name").all(scope.account, scope.region) as Row[];
    return rows.map(fromRow);
  }

  /** Every alarm of every scope, for the evaluator. */
  all(): Array<{ scope: Scope; stored: StoredAlarm }> {
    const rows = this.db.prepare("SELECT account, region, type, doc FROM cw_alarms ORDER BY account, region, name").all() as Array<Row & Scope>;
    return rows.map((r) => ({ scope: { account: r.account, region: r.region }, stored: fromRow(r) }));
  }

  save(scope: Scope, stored: StoredAlarm, children: string[] = []): void {
    const a = stored.alarm;
    this.db
      .prepare(
        `INSERT INTO cw_alarms (account, region, name, type, arn, state, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account, region, name) DO UPDATE SET type = excluded.type, state = excluded.state, doc = excluded.doc`,
      )
      .run(scope.account, scope.region, a.AlarmName!, stored.type, a.AlarmArn!, a.StateValue!, JSON.stringify(a));
    if (stored.type === "CompositeAlarm") {
      this.db.prepare("DELETE FROM cw_alarm_children WHERE account = ? AND region = ? AND parent = ?").run(scope.account, scope.region, a.AlarmName!);
      const add = this.db.prepare("INSERT OR IGNORE INTO cw_alarm_children (account, region, parent, child) VALUES (?, ?, ?, ?)");
      for (const child of children) add.run(scope.account, scope.region, a.AlarmName!, child);
    }
  }

  /** Only the state fields of the doc change (evaluations must not undo a concurrent PutMetricAlarm's other fields). */
  saveState(scope: Scope, name: string, state: AlarmState, fields: Record<string, unknown>): void {
    const row = this.db.prepare("SELECT doc FROM cw_alarms WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
    if (!row) return;
    const doc = { ...JSON.parse(row.doc), ...fields, StateValue: state };
    this.db.prepare("UPDATE cw_alarms SET state = ?, doc = ? WHERE account = ? AND region = ? AND name = ?").run(state, JSON.stringify(doc), scope.account, scope.region, name);
  }

  delete(scope: Scope, name: string): void {
    this.db.prepare("DELETE FROM cw_alarms WHERE account = ? AND region = ? AND name = ?").run(scope.account, scope.region, name);
  }

  /** The alarms a composite alarm's rule names (names, or ARNs as written when not of this scope). */
  children(scope: Scope, parent: string): string[] {
    return (this.db.prepare("SELECT child FROM cw_alarm_children WHERE account = ? AND region = ? AND parent = ? ORDER BY child").all(scope.account, scope.region, parent) as Array<{ child: string }>).map((r) => r.child);
  }

  /** The composite alarms whose rule names this alarm. */
  parents(scope: Scope, child: string): string[] {
    return (this.db.prepare("SELECT parent FROM cw_alarm_children WHERE account = ? AND region = ? AND child = ? ORDER BY parent").all(scope.account, scope.region, child) as Array<{ parent: string }>).map((r) => r.parent);
  }
}
