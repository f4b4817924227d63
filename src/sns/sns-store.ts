import type { Db } from "../store/database.js";

export interface Topic {
  arn: string;
  account: string;
  region: string;
  name: string;
  attributes: Record<string, string>;
  tags: Array<{ Key: string; Value: string }>;
}

export interface Subscription {
  arn: string;
  topicArn: string;
  owner: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
  /** http/https and email subscriptions wait for ConfirmSubscription with `token` (valid until tokenExpiresAt). */
  pendingConfirmation?: boolean;
  token?: string;
  tokenExpiresAt?: number;
  /** ConfirmSubscription's AuthenticateOnUnsubscribe: only a signed call by the owner may unsubscribe. */
  authenticateOnUnsubscribe?: boolean;
}

/** SNS's topics and subscriptions: few, changed rarely, so each change is its own transaction. */
export class SnsStore {
  constructor(private readonly db: Db) {}

  topic(arn: string): Topic | undefined {
    const row = this.db.prepare("SELECT doc FROM sns_topics WHERE arn = ?").get(arn) as { doc: string } | undefined;
    return row && (JSON.parse(row.doc) as Topic);
  }

  topics(account: string, region: string): Topic[] {
    const rows = this.db.prepare("SELECT doc FROM sns_topics WHERE account = ? AND region = ? ORDER BY arn").all(account, region) as Array<{ doc: string }>;
    return rows.map((r) => JSON.parse(r.doc) as Topic);
  }

  putTopic(t: Topic): void {
    this.db.prepare("INSERT INTO sns_topics (arn, account, region, name, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (arn) DO UPDATE SET doc = excluded.doc")
      .run(t.arn, t.account, t.region, t.name, JSON.stringify(t));
  }

  deleteTopic(arn: string): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM sns_subscriptions WHERE topic_arn = ?").run(arn);
      this.db.prepare("DELETE FROM sns_topics WHERE arn = ?").run(arn);
    })();
  }

  subscription(arn: string): Subscription | undefined {
    const row = this.db.prepare("SELECT doc FROM sns_subscriptions WHERE arn = ?").get(arn) as { doc: string } | undefined;
    return row && (JSON.parse(row.doc) as Subscription);
  }

  subscriptions(topicArn?: string): Subscription[] {
    const rows = (topicArn === undefined
      ? this.db.prepare("SELECT doc FROM sns_subscriptions ORDER BY seq").all()
      : this.db.prepare("SELECT doc FROM sns_subscriptions WHERE topic_arn = ? ORDER BY seq").all(topicArn)) as Array<{ doc: string }>;
    return rows.map((r) => JSON.parse(r.doc) as Subscription);
  }

  putSubscription(s: Subscription): void {
    const exists = this.db.prepare("UPDATE sns_subscriptions SET doc = ? WHERE arn = ?").run(JSON.stringify(s), s.arn).changes > 0;
    if (!exists) {
      this.db.prepare("INSERT INTO sns_subscriptions (arn, topic_arn, seq, doc) VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM sns_subscriptions), ?)")
        .run(s.arn, s.topicArn, JSON.stringify(s));
    }
  }

  deleteSubscription(arn: string): void {
    this.db.prepare("DELETE FROM sns_subscriptions WHERE arn = ?").run(arn);
  }
}
