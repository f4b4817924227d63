import type { ContainerDependency } from "@aws-sdk/client-ecs";
import type { Health } from "./health.js";
import type { NetworkMode, PlannedContainer } from "./task-plan.js";

/**
 * Container ordering, as ECS does it: dependsOn conditions (START, COMPLETE, SUCCESS, HEALTHY)
 * gate a container's start; links and volumesFrom imply START. Stopping goes the other way:
 * a container is stopped only once every container that depends on it has stopped.
 */
export type Verdict = "met" | "wait" | "failed";

export interface DependencyState {
  status: "PENDING" | "RUNNING" | "STOPPED";
  /** The container was started (it may have exited since). */
  started: boolean;
  exitCode?: number;
  health: Health;
}

export function conditionVerdict(condition: string | undefined, s: DependencyState): Verdict {
  const neverStarted = s.status === "STOPPED" && !s.started;
  if (neverStarted) return "failed";
  switch (condition) {
    case "COMPLETE":
      return s.status === "STOPPED" ? "met" : "wait";
    case "SUCCESS":
      if (s.status !== "STOPPED") return "wait";
      return s.exitCode === 0 ? "met" : "failed";
    case "HEALTHY":
      if (s.health === "HEALTHY") return "met";
      return s.status === "STOPPED" ? "failed" : "wait";
    case "START":
    default:
      return s.started ? "met" : "wait";
  }
}

/** Every container another one waits for: dependsOn, plus links (bridge) and volumesFrom as START. */
export function dependenciesOf(c: PlannedContainer, networkMode: NetworkMode): ContainerDependency[] {
  const out: ContainerDependency[] = [...c.dependsOn];
  const add = (name: string | undefined) => {
    if (name && !out.some((d) => d.containerName === name)) out.push({ containerName: name, condition: "START" });
  };
  if (networkMode === "bridge") for (const link of c.def.links ?? []) add(link.split(":")[0]);
  for (const v of c.def.volumesFrom ?? []) add(v.sourceContainer);
  return out;
}

/**
 * Groups containers into waves to stop one after another: each wave holds the containers that
 * no container still running depends on. Returns undefined when the dependencies form a cycle.
 */
export function stopWaves(containers: PlannedContainer[], networkMode: NetworkMode): string[][] | undefined {
  const names = new Set(containers.map((c) => c.name));
  const deps = new Map(containers.map((c) => [c.name, dependenciesOf(c, networkMode).map((d) => d.containerName!).filter((n) => names.has(n) && n !== c.name)]));
  const remaining = new Set(names);
  const waves: string[][] = [];
  while (remaining.size > 0) {
    const wave = [...remaining].filter((n) => ![...remaining].some((other) => deps.get(other)!.includes(n)));
    if (wave.length === 0) return undefined;
    waves.push(wave);
    for (const n of wave) remaining.delete(n);
  }
  return waves;
}
