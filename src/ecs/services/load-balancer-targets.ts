import type { Scope } from "../../core/arn.js";

/** A target as ECS registers it: an IP address (awsvpc) or an EC2 instance id (bridge, host), and a port. */
export interface LbTarget {
  id: string;
  port: number;
}

/** What service validation needs to know about a target group. */
export interface TargetGroupFacts {
  targetType: string;
  /** Some listener or rule of a load balancer forwards to it. */
  hasLoadBalancer: boolean;
}

/** A target's health as the load balancer sees it (ELBv2's TargetHealth state and reason). */
export interface TargetHealthState {
  state: string;
  reason?: string;
  /** ELB's description ("Health checks failed with these codes: [404]"), which ECS quotes in its events. */
  description?: string;
}

/**
 * What ECS asks of the load balancers: ECS says "register this target", it never reaches into
 * ELBv2's tables. The composition root (server.ts) wires ELBv2's implementation. Calls are
 * synchronous and share the caller's store transaction, so a registration and the task state
 * that records it commit together (nothing is lost or done twice on kill -9).
 */
export interface LoadBalancerTargets {
  /** The target group, or undefined when the account and region have none with that ARN. */
  targetGroup(scope: Scope, targetGroupArn: string): TargetGroupFacts | undefined;
  register(scope: Scope, targetGroupArn: string, target: LbTarget): void;
  /** Starts the target's drain; returns when it ends (epoch ms; `now` when the group drains nothing). */
  deregister(scope: Scope, targetGroupArn: string, target: LbTarget): number;
  health(scope: Scope, targetGroupArn: string, target: LbTarget): TargetHealthState;
  /** A listener rule's forward target groups and weights; undefined when the rule does not exist or does not forward. */
  listenerRule(scope: Scope, ruleArn: string): Array<{ targetGroupArn: string; weight: number }> | undefined;
  /**
   * Rewrites the weights of a listener rule's forward action (blue/green traffic shifting); the
   * target groups named keep their place, the others are left as they are. The data plane is told.
   */
  setForwardWeights(scope: Scope, ruleArn: string, weights: ReadonlyMap<string, number>): void;
}
