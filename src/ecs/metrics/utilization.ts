import type { Task } from "@aws-sdk/client-ecs";
import type { ContainerUsage } from "../../agent/protocol/messages.js";

/** CPU units and MiB a task reserves, and the same measures of what it uses. */
export interface Resources {
  cpuUnits: number;
  memoryMiB: number;
}

/**
 * What a task reserves, as ECS's utilization metrics divide by: the task-level cpu and memory when
 * the task has them (always on Fargate), else the sum over its containers of cpu, and of
 * memoryReservation (the soft limit) or, without one, memory (the hard limit). Overrides are
 * already in the task's own fields. A task reserving no CPU at all (EC2, every container cpu 0) is
 * measured against one vCPU, 1024 units: ECS does not document that case (docs/compatibility.md).
 */
export function taskReservation(task: Task): Resources {
  const containers = task.containers ?? [];
  const taskCpu = cpuUnitsOf(task.cpu);
  const taskMemory = memoryMiBOf(task.memory);
  const cpu = taskCpu ?? containers.reduce((sum, c) => sum + (cpuUnitsOf(c.cpu) ?? 0), 0);
  const memory = taskMemory ?? containers.reduce((sum, c) => sum + (memoryMiBOf(c.memoryReservation) ?? memoryMiBOf(c.memory) ?? 0), 0);
  return { cpuUnits: cpu > 0 ? cpu : UNRESERVED_CPU_UNITS, memoryMiB: memory };
}

export const UNRESERVED_CPU_UNITS = 1024;

/** A task's use: its containers' CPU units and MiB added up. */
export function taskUse(containers: readonly ContainerUsage[]): Resources {
  return containers.reduce((sum, c) => ({ cpuUnits: sum.cpuUnits + c.cpuUnits, memoryMiB: sum.memoryMiB + c.memoryMiB }), { cpuUnits: 0, memoryMiB: 0 });
}

/**
 * Used over reserved, in percent: (CPU units used) x 100 / (CPU units reserved), and the same for
 * MiB. Summed over a service's tasks this is ECS's service CPUUtilization and MemoryUtilization;
 * it passes 100 when a task bursts beyond its reservation (CPU on EC2 up to what the instance has
 * free; memory up to the hard limit when the reservation is the soft one). Undefined for a
 * resource reserved at zero.
 */
export function utilization(used: Resources, reserved: Resources): { cpu?: number; memory?: number } {
  return {
    cpu: reserved.cpuUnits > 0 ? (used.cpuUnits * 100) / reserved.cpuUnits : undefined,
    memory: reserved.memoryMiB > 0 ? (used.memoryMiB * 100) / reserved.memoryMiB : undefined,
  };
}

/** "256", "0.25 vCPU", "1 vcpu" -> CPU units; undefined when absent, empty or zero. */
export function cpuUnitsOf(value: string | number | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const m = /^\s*([\d.]+)\s*(vcpu)?\s*$/i.exec(String(value));
  if (!m) return undefined;
  const n = m[2] ? Number(m[1]) * 1024 : Number(m[1]);
  return n > 0 ? n : undefined;
}

/** "512", "1 GB", "2gb" -> MiB; undefined when absent, empty or zero. */
export function memoryMiBOf(value: string | number | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const m = /^\s*([\d.]+)\s*(gb)?\s*$/i.exec(String(value));
  if (!m) return undefined;
  const n = m[2] ? Number(m[1]) * 1024 : Number(m[1]);
  return n > 0 ? n : undefined;
}
