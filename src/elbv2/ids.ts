import { randomBytes } from "node:crypto";
import type { Scope } from "../core/arn.js";

/** ELBv2 ARNs as AWS forms them: the load balancer's type, name and id run through its children's. */
const base = ({ region, account }: Scope) => `arn:aws:elasticloadbalancing:${region}:${account}`;
export const newElbId = () => randomBytes(8).toString("hex");

/** `app/NAME/ID` or `net/NAME/ID`: what a listener's and a rule's ARNs repeat. */
export const loadBalancerArn = (s: Scope, kind: "app" | "net", name: string, id: string) => `${base(s)}:loadbalancer/${kind}/${name}/${id}`;
export const targetGroupArn = (s: Scope, name: string, id: string) => `${base(s)}:targetgroup/${name}/${id}`;
/** The `app/NAME/ID` part of a load balancer ARN. */
export const loadBalancerPath = (lbArn: string) => lbArn.slice(lbArn.indexOf(":loadbalancer/") + ":loadbalancer/".length);
export const listenerArn = (s: Scope, lbArn: string, id: string) => `${base(s)}:listener/${loadBalancerPath(lbArn)}/${id}`;
export const ruleArn = (s: Scope, listener: string, id: string) =>
  `${base(s)}:listener-rule/${listener.slice(listener.indexOf(":listener/") + ":listener/".length)}/${id}`;
