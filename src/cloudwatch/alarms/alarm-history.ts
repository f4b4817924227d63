import type { AlarmHistoryItem, DescribeAlarmHistoryInput, DescribeAlarmHistoryOutput } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Db } from "../../store/database.js";
import { invalidCombination, invalidNextToken } from "./alarm-errors.js";

export type HistoryItemType = "ConfigurationUpdate" | "StateUpdate" | "Action";

/** CloudWatch keeps an alarm's history for two weeks. */
const RETENTION_MS = 14 * 24 * 3600 * 1000;

export interface HistoryEntry {
  alarmName: string;
  alarmType: "MetricAlarm" | "CompositeAlarm";
  type: HistoryItemType;
  summary: string;
  /** HistoryData: a JSON document, as AWS writes it. */
  data: unknown;
  timestamp?: Date;
}

interface Row {
  id: number;
  alarm_name: string;
  alarm_type: string;
  item_type: string;
  timestamp: number;
  summary: string;
  data: string;
}

/** The alarms' history: written in the same transaction as the change it records. */
export class AlarmHistory {
  constructor(private readonly db: Db, private readonly clock: Clock) {}

  record(scope: Scope, e: HistoryEntry): void {
    const at = (e.timestamp ?? this.clock.now()).getTime();
    this.db
      .prepare("INSERT INTO cw_alarm_history (account, region, alarm_name, alarm_type, item_type, timestamp, summary, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(scope.account, scope.region, e.alarmName, e.alarmType, e.type, at, e.summary, JSON.stringify(e.data));
    this.db.prepare("DELETE FROM cw_alarm_history WHERE timestamp < ?").run(at - RETENTION_MS);
  }

  describe(scope: Scope, input: DescribeAlarmHistoryInput): DescribeAlarmHistoryOutput {
    if (input.StartDate && input.EndDate && input.StartDate > input.EndDate) throw invalidCombination("The parameter StartDate must be less than or equal to the parameter EndDate.");
    const descending = input.ScanBy !== "TimestampAscending";
    const where = ["account = ?", "region = ?"];
    const args: unknown[] = [scope.account, scope.region];
    if (input.AlarmName !== undefined) (where.push("alarm_name = ?"), args.push(input.AlarmName));
    // Metric alarms only unless AlarmTypes says otherwise, as AWS.
    const types = input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"];
    where.push(`alarm_type IN (${types.map(() => "?").join(", ")})`);
    args.push(...types);
    if (input.HistoryItemType !== undefined) (where.push("item_type = ?"), args.push(input.HistoryItemType));
    if (input.StartDate) (where.push("timestamp >= ?"), args.push(input.StartDate.getTime()));
    if (input.EndDate) (where.push("timestamp <= ?"), args.push(input.EndDate.getTime()));
    if (input.NextToken !== undefined) {
      // The token is the id of the last item returned: stable across restarts and new entries.
      const m = /^h(\d{1,15})$/.exec(Buffer.from(input.NextToken, "base64url").toString("utf8"));
      if (!m) throw invalidNextToken();
      where.push(descending ? "id < ?" : "id > ?");
      args.push(Number(m[1]));
    }
    const limit = input.MaxRecords ?? 100;
    const rows = this.db
      .prepare(`SELECT * FROM cw_alarm_history WHERE ${where.join(" AND ")} ORDER BY timestamp ${descending ? "DESC" : "ASC"}, id ${descending ? "DESC" : "ASC"} LIMIT ?`)
      .all(...args, limit + 1) as Row[];
    const page = rows.slice(0, limit);
    const items: AlarmHistoryItem[] = page.map((r) => ({
      AlarmName: r.alarm_name,
      AlarmType: r.alarm_type as AlarmHistoryItem["AlarmType"],
      Timestamp: new Date(r.timestamp),
      HistoryItemType: r.item_type as AlarmHistoryItem["HistoryItemType"],
      HistorySummary: r.summary,
      HistoryData: r.data,
    }));
    return { AlarmHistoryItems: items, NextToken: rows.length > limit ? Buffer.from(`h${page.at(-1)!.id}`).toString("base64url") : undefined };
  }
}
