import type { LoadBalancer } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import { defaultsOf } from "../attributes.js";
import { loadBalancerAttributeSpec } from "./load-balancer-attributes.js";

/** A load balancer as stored: the wire document, its loopback address and its attributes. */
export interface StoredLoadBalancer {
  doc: LoadBalancer;
  address: string;
  attributes: Record<string, string>;
}

type Row = { doc: string; address: string; attributes: string };
/** Attributes Berth learned after a load balancer was stored (load_balancing.cross_zone.enabled on ALBs) read as their defaults. */
const parse = (r: Row): StoredLoadBalancer => {
  const doc = JSON.parse(r.doc) as LoadBalancer;
  return { doc, address: r.address, attributes: { ...defaultsOf(loadBalancerAttributeSpec(doc.Type)), ...(JSON.parse(r.attributes) as Record<string, string>) } };
};

export function findLoadBalancer(db: Db, scope: Scope, arn: string): StoredLoadBalancer | undefined {
  const row = db.prepare("SELECT doc, address, attributes FROM elb_load_balancers WHERE arn = ? AND account = ? AND region = ?").get(arn, scope.account, scope.region) as Row | undefined;
  return row && parse(row);
}

export function findLoadBalancerByName(db: Db, scope: Scope, name: string): StoredLoadBalancer | undefined {
  const row = db.prepare("SELECT doc, address, attributes FROM elb_load_balancers WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as Row | undefined;
  return row && parse(row);
}

/** Every load balancer of the scope in creation order (Describe's order, and pagination's). */
export function listLoadBalancers(db: Db, scope: Scope): StoredLoadBalancer[] {
  return (db.prepare("SELECT doc, address, attributes FROM elb_load_balancers WHERE account = ? AND region = ? ORDER BY seq").all(scope.account, scope.region) as Row[]).map(parse);
}

export function saveLoadBalancer(db: Db, scope: Scope, lb: StoredLoadBalancer): void {
  db.prepare(
    `INSERT INTO elb_load_balancers (arn, account, region, name, address, seq, doc, attributes)
     VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM elb_load_balancers), ?, ?)
     ON CONFLICT (arn) DO UPDATE SET doc = excluded.doc, attributes = excluded.attributes`,
  ).run(lb.doc.LoadBalancerArn, scope.account, scope.region, lb.doc.LoadBalancerName, lb.address, JSON.stringify(lb.doc), JSON.stringify(lb.attributes));
}

/** Removes the load balancer; its listeners and rules go with it (ON DELETE CASCADE). */
export function deleteLoadBalancerRow(db: Db, arn: string): void {
  db.prepare("DELETE FROM elb_load_balancers WHERE arn = ?").run(arn);
}
