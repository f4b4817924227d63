/**
 * ECS cluster auto scaling's arithmetic, as the Developer Guide documents it, pure so it can be
 * tested on its own. N is the number of instances the group runs; M the number it should run to
 * hold every task that runs or waits (PROVISIONING) on the provider.
 */

/**
 * CapacityProviderReservation = M / N x 100, with ECS's two special cases: no instance and
 * nothing to run is 100 (at target, nothing to do); no instance but tasks waiting is 200 (scale
 * out from zero).
 */
export function capacityProviderReservation(m: number, n: number): number {
  if (n === 0) return m === 0 ? 100 : 200;
  return (m / n) * 100;
}

export interface ScalingInput {
  /** Instances the provider's group runs now (N). */
  instances: number;
  /** Instances it needs (M): those running non-daemon tasks plus those waiting tasks need. */
  needed: number;
  targetCapacity: number;
  minimumScalingStepSize: number;
  maximumScalingStepSize: number;
  /** The group's bounds (Berth's pool: minSize 0, maxSize from config). */
  minSize: number;
  maxSize: number;
}

/**
 * How many instances to add (positive) or remove (negative): the group size at which the
 * reservation meets targetCapacity, ceil(M x 100 / target), reached in steps no smaller than the
 * minimum step (when scaling out) and no larger than the maximum, within the group's bounds.
 */
export function scalingStep(s: ScalingInput): number {
  const want = Math.min(s.maxSize, Math.max(s.minSize, Math.ceil((s.needed * 100) / s.targetCapacity)));
  if (want > s.instances) {
    const step = Math.min(s.maximumScalingStepSize, Math.max(s.minimumScalingStepSize, want - s.instances));
    return Math.min(step, s.maxSize - s.instances);
  }
  if (want < s.instances) return -Math.min(s.maximumScalingStepSize, s.instances - want);
  return 0;
}

/**
 * M: instances busy with non-daemon tasks, plus enough for the tasks that wait for capacity when
 * each new instance holds `perInstance` of them (at least one instance when any task waits).
 */
export function instancesNeeded(busy: number, waiting: number, perInstance: number): number {
  if (waiting === 0) return busy;
  return busy + Math.max(1, Math.ceil(waiting / Math.max(1, perInstance)));
}

/**
 * How many waiting tasks one new instance of `size` holds: as many as the task's cpu and memory
 * allow, or one under distinctInstance, as ECS counts them; at least one.
 */
export function tasksPerInstance(task: { cpu: number; memory: number; distinctInstance: boolean }, size: { cpu: number; memory: number }): number {
  if (task.distinctInstance) return 1;
  const fit = Math.min(task.cpu > 0 ? Math.floor(size.cpu / task.cpu) : Infinity, task.memory > 0 ? Math.floor(size.memory / task.memory) : Infinity);
  return Number.isFinite(fit) ? Math.max(1, fit) : 1;
}
