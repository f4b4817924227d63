import type { CqlTarget } from "./cql/target.js";
import type { InstanceSnapshot } from "./types.js";

/**
 * An instance as the cluster query language sees it, built once per index. It allocates
 * nothing up front (an index builds thousands): attributes are found by a scan of the
 * instance's short list, task groups collected on first use.
 */
export class InstanceTarget implements CqlTarget {
  readonly registeredAt: number;
  readonly runningTasksCount: number;
  private groups: readonly string[] | undefined;

  constructor(private readonly instance: InstanceSnapshot) {
    this.registeredAt = toEpochMs(instance.registeredAt);
    this.runningTasksCount = instance.runningTasksCount ?? instance.tasks?.length ?? 0;
  }

  get agentConnected() {
    return this.instance.agentConnected;
  }
  get agentVersion() {
    return this.instance.agentVersion;
  }
  get ec2InstanceId() {
    return this.instance.ec2InstanceId;
  }

  attribute(name: string): string | null | undefined {
    const list = this.instance.attributes;
    if (!list) return undefined;
    for (let k = 0; k < list.length; k++) {
      const a = list[k]!;
      if (a.name === name && (a.targetType === undefined || a.targetType === "container-instance")) return a.value ?? null;
    }
    return undefined;
  }

  taskGroups(): Iterable<string> {
    if (!this.groups) {
      const groups = new Set<string>();
      for (const t of this.instance.tasks ?? []) if (t.group !== undefined) groups.add(t.group);
      this.groups = [...groups];
    }
    return this.groups;
  }
}

/** The same instance after this plan put `added` more tasks of `group` on it. */
export class PlacedTarget implements CqlTarget {
  constructor(
    private readonly base: CqlTarget,
    private readonly added: number,
    private readonly group: string,
  ) {}
  get agentConnected() {
    return this.base.agentConnected;
  }
  get agentVersion() {
    return this.base.agentVersion;
  }
  get ec2InstanceId() {
    return this.base.ec2InstanceId;
  }
  get registeredAt() {
    return this.base.registeredAt;
  }
  get runningTasksCount() {
    return this.base.runningTasksCount + this.added;
  }
  attribute(name: string) {
    return this.base.attribute(name);
  }
  taskGroups(): Iterable<string> {
    const groups = new Set(this.base.taskGroups());
    groups.add(this.group);
    return groups;
  }
}

export function toEpochMs(t: number | Date | string): number {
  if (typeof t === "number") return t;
  if (t instanceof Date) return t.getTime();
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/** For ListContainerInstances --filter: evaluate an expression against a stored instance. */
export function instanceTarget(instance: InstanceSnapshot): CqlTarget {
  return new InstanceTarget(instance);
}
