import type { Action, Listener } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Db } from "../../store/database.js";

/**
 * Where a listener's certificate list (AddListenerCertificates, the non-default certificates) is
 * kept: a Berth-only member of the stored document. Responses carry only the model's members, so
 * it never reaches a client; publicListener drops it anyway.
 */
export const SNI_CERTIFICATES = "BerthSniCertificates";

export function sniCertificatesOf(listener: Listener): string[] {
  return [...((listener as Record<string, unknown>)[SNI_CERTIFICATES] as string[] | undefined ?? [])];
}

/** The listener as ELBv2 shows it. */
export function publicListener(listener: Listener): Listener {
  const { [SNI_CERTIFICATES]: _sni, ...rest } = listener as Record<string, unknown>;
  return rest as Listener;
}

/** Listeners as stored: the wire document; its default actions are also its default rule's. */
export function findListener(db: Db, arn: string): Listener | undefined {
  const row = db.prepare("SELECT doc FROM elb_listeners WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row && (JSON.parse(row.doc) as Listener);
}

export function listenersOf(db: Db, lbArn: string): Listener[] {
  return (db.prepare("SELECT doc FROM elb_listeners WHERE load_balancer_arn = ? ORDER BY seq").all(lbArn) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as Listener);
}

export function saveListener(db: Db, listener: Listener): void {
  db.prepare(
    `INSERT INTO elb_listeners (arn, load_balancer_arn, port, seq, doc)
     VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM elb_listeners), ?)
     ON CONFLICT (arn) DO UPDATE SET port = excluded.port, doc = excluded.doc`,
  ).run(listener.ListenerArn, listener.LoadBalancerArn, listener.Port, JSON.stringify(listener));
}

/** The target groups an action list forwards to (TargetGroupArn and every weighted one). */
export function forwardedTargetGroups(actions: Action[] = []): string[] {
  const arns = new Set<string>();
  for (const a of actions) {
    if (a.Type !== "forward") continue;
    if (a.TargetGroupArn) arns.add(a.TargetGroupArn);
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) arns.add(t.TargetGroupArn);
  }
  return [...arns];
}

/** target group ARN -> the load balancers whose listeners or rules forward to it. */
export function targetGroupUsers(db: Db): Map<string, Set<string>> {
  const rows = db.prepare(
    `SELECT l.load_balancer_arn AS lb, r.doc AS doc FROM elb_rules r JOIN elb_listeners l ON l.arn = r.listener_arn`,
  ).all() as Array<{ lb: string; doc: string }>;
  const users = new Map<string, Set<string>>();
  for (const { lb, doc } of rows) {
    for (const tg of forwardedTargetGroups((JSON.parse(doc) as { Actions?: Action[] }).Actions)) {
      if (!users.has(tg)) users.set(tg, new Set());
      users.get(tg)!.add(lb);
    }
  }
  return users;
}
