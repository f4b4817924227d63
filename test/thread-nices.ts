import { readdirSync, readFileSync } from "node:fs";

/**
 * Every thread of a process with its nice value, as `ps -L -o tid,ni` shows it: field 19 of
 * /proc/<pid>/task/<tid>/stat, counted after the thread name's ")" (a name may hold spaces).
 */
export function threadNices(pid: number | "self" = "self"): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
    } catch { /* the thread ended between the listing and the read */ }
  }
  return nices;
}
