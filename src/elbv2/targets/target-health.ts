import type { TargetHealth } from "@aws-sdk/client-elastic-load-balancing-v2";

/** A target as health is asked about: the group and the (id, port) pair. */
export interface TargetRef {
  targetGroupArn: string;
  id: string;
  port: number;
}

/**
 * Where the health of a registered, in-use target comes from. The data plane implements this
 * with its health checks (healthy, unhealthy with Target.Timeout / ResponseCodeMismatch / ...,
 * initial with Elb.InitialHealthChecking); until it runs, `registrationHealth` answers. States
 * the store alone decides (unused, draining) never reach a source.
 */
export interface TargetHealthSource {
  healthOf(target: TargetRef): TargetHealth;
}

/** What the store knows: a registered target is in registration until a health check says otherwise. */
export const registrationHealth: TargetHealthSource = {
  healthOf: () => ({ State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress" }),
};

export const notInUse: TargetHealth = { State: "unused", Reason: "Target.NotInUse", Description: "Target group is not configured to receive traffic from the load balancer" };
export const notRegistered: TargetHealth = { State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group" };
export const draining: TargetHealth = { State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" };
/** An instance target whose container instance is deregistered: AWS's answer for an instance that is not running. */
export const instanceStopped: TargetHealth = { State: "unused", Reason: "Target.InvalidState", Description: "Target is in the stopped state" };
