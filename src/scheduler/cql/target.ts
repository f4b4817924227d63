/**
 * What the evaluator may ask of a container instance. The scheduler implements it over its
 * indexed view (with placements made so far); ListContainerInstances can implement it over
 * stored instances with instanceTarget().
 */
export interface CqlTarget {
  readonly agentConnected: boolean;
  readonly agentVersion: string | undefined;
  readonly ec2InstanceId: string | undefined;
  /** Epoch milliseconds. */
  readonly registeredAt: number;
  readonly runningTasksCount: number;
  /** undefined: no such attribute; null: the attribute exists without a value. */
  attribute(name: string): string | null | undefined;
  /** The distinct groups of the tasks on the instance. */
  taskGroups(): Iterable<string>;
}
