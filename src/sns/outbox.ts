import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";

/** One message Berth would have sent by email or SMS. */
export interface OutboxMessage {
  seq: number;
  account: string;
  region: string;
  protocol: "email" | "email-json" | "sms";
  /** The address or phone number. */
  endpoint: string;
  messageId: string;
  topicArn?: string;
  subscriptionArn?: string;
  /** `SubscriptionConfirmation` or `Notification`. */
  type: string;
  subject?: string;
  body: string;
  timestamp: string;
}

/**
 * Berth sends no email and no SMS: what email, email-json and sms subscriptions (and Publish to
 * a phone number) would have sent is kept here, in order, and read through /_berth/sns/outbox.
 */
export class SnsOutbox {
  constructor(private readonly db: Db) {}

  record(scope: Scope, m: Omit<OutboxMessage, "seq" | "account" | "region">): void {
    this.db.prepare("INSERT INTO sns_outbox (account, region, protocol, endpoint, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)")
      .run(scope.account, scope.region, m.protocol, m.endpoint, Date.parse(m.timestamp), JSON.stringify(m));
  }

  /** Oldest first; filtered by endpoint and protocol when given, at most `limit`, after `after` (a seq). */
  list({ endpoint, protocol, after = 0, limit = 1000 }: { endpoint?: string; protocol?: string; after?: number; limit?: number }): OutboxMessage[] {
    const rows = this.db.prepare(`SELECT seq, account, region, doc FROM sns_outbox WHERE seq > ?
      AND (? IS NULL OR endpoint = ?) AND (? IS NULL OR protocol = ?) ORDER BY seq LIMIT ?`)
      .all(after, endpoint ?? null, endpoint ?? null, protocol ?? null, protocol ?? null, limit) as Array<{ seq: number; account: string; region: string; doc: string }>;
    return rows.map((r) => ({ seq: r.seq, account: r.account, region: r.region, ...(JSON.parse(r.doc) as Omit<OutboxMessage, "seq" | "account" | "region">) }));
  }

  clear(): number {
    return this.db.prepare("DELETE FROM sns_outbox").run().changes;
  }
}
