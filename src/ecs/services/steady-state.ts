import { REPEAT_EVENT_AFTER_MS } from "./deployment-rules.js";
import { serviceMessages } from "./service-events.js";
import type { ServiceState } from "./service-plan-types.js";

/**
 * Whether a service is steady after a decision, as both plans (deployments and task sets) record
 * it: ECS's "has reached a steady state." event when it becomes steady, again every six hours while
 * it stays so, and a steady service's launch throttle cleared.
 */
export function noteSteadyState(state: ServiceState, steady: boolean, { now, name, events }: { now: number; name: string; events: string[] }): void {
  if (steady && (!state.steady || now - (state.steadyEventAt ?? 0) >= REPEAT_EVENT_AFTER_MS)) {
    events.push(serviceMessages.steadyState(name));
    state.steadyEventAt = now;
  }
  if (steady) {
    state.consecutiveFailures = 0;
    state.launchNotBefore = undefined;
  }
  state.steady = steady;
}
