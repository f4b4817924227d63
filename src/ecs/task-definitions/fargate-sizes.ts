/**
 * Task sizes: the strings RegisterTaskDefinition accepts for task-level `cpu` and `memory`, and the
 * CPU/memory combinations Fargate offers (Amazon ECS Developer Guide, "Task size").
 */

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const VCPU = new RegExp(`^${NUMBER}\\s*vcpus?$`, "i");
const GB = new RegExp(`^${NUMBER}\\s*(?:gb|gib)$`, "i");
const MB = new RegExp(`^${NUMBER}\\s*(?:mb|mib)$`, "i");

/** A whole, safe, non-negative number, or undefined (no rounding: "0.1 vCPU" is not a whole number of units). */
function whole(n: number): number | undefined {
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * CPU units from "1024", "1 vCPU", "0.25 vcpu" or "2vCPU"; undefined when the string is none of those.
 * ECS stores the result as the plain number of units ("1 vCPU" is returned as "1024").
 */
export function parseCpuUnits(s: string | undefined): number | undefined {
  const text = s?.trim() ?? "";
  if (/^\d+$/.test(text)) return whole(Number(text));
  const m = VCPU.exec(text);
  return m ? whole(Number(m[1]) * 1024) : undefined;
}

/**
 * MiB from "2048", "2 GB", "0.5GB", "2 GiB" or "512 MiB"; undefined when the string is none of those.
 * ECS stores the result as the plain number of MiB ("2 GB" is returned as "2048").
 */
export function parseMemoryMiB(s: string | undefined): number | undefined {
  const text = s?.trim() ?? "";
  if (/^\d+$/.test(text)) return whole(Number(text));
  const gb = GB.exec(text);
  if (gb) return whole(Number(gb[1]) * 1024);
  const mb = MB.exec(text);
  return mb ? whole(Number(mb[1])) : undefined;
}

/** Task-level CPU that ECS accepts at all: 128 units (0.125 vCPU) to 196608 units (192 vCPU). */
export const TASK_CPU_RANGE = { min: 128, max: 196_608 } as const;

interface MemoryRange {
  min: number;
  max: number;
  step: number;
}

/** Fargate's table: task CPU units -> the memory (MiB) that may go with it. */
const FARGATE: ReadonlyMap<number, MemoryRange | readonly number[]> = new Map<number, MemoryRange | readonly number[]>([
  [256, [512, 1024, 2048]],
  [512, { min: 1024, max: 4096, step: 1024 }],
  [1024, { min: 2048, max: 8192, step: 1024 }],
  [2048, { min: 4096, max: 16_384, step: 1024 }],
  [4096, { min: 8192, max: 30_720, step: 1024 }],
  [8192, { min: 16_384, max: 61_440, step: 4096 }],
  [16_384, { min: 32_768, max: 122_880, step: 8192 }],
]);

/** The CPU values Fargate offers, smallest first. */
export const FARGATE_CPU_VALUES: readonly number[] = [...FARGATE.keys()];

/** Every memory size (MiB) Fargate offers with `cpu` units; empty when Fargate has no such CPU size. */
export function fargateMemoryOptions(cpu: number): number[] {
  const entry = FARGATE.get(cpu);
  if (!entry) return [];
  if (Array.isArray(entry)) return [...entry];
  const { min, max, step } = entry as MemoryRange;
  const out: number[] = [];
  for (let m = min; m <= max; m += step) out.push(m);
  return out;
}

/** True when Fargate offers exactly this CPU/memory combination. */
export function isFargateSize(cpu: number, memory: number): boolean {
  const entry = FARGATE.get(cpu);
  if (!entry) return false;
  if (Array.isArray(entry)) return entry.includes(memory);
  const { min, max, step } = entry as MemoryRange;
  return memory >= min && memory <= max && (memory - min) % step === 0;
}
