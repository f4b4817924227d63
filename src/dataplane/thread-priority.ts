import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * Gives the calling thread a nice value of its own (Linux: nice values are per thread, and
 * setpriority(2) with a thread id changes that thread only). Used by the data plane's worker: a
 * proxy's latency tail on a shared machine is mostly its waits for a core behind other runnable
 * threads (Berth's own API thread and V8's helpers, the targets, the clients), and a lower nice
 * value lets the scheduler run it first when it wakes, as nginx's `worker_priority` does for its
 * workers. Lowering a nice value needs root or CAP_SYS_NICE; without them the thread keeps the
 * process's and the reason is returned, not thrown (the data plane works the same, only without
 * the head start).
 */
export function setThreadNice(nice: number): { applied: true; tid: number } | { applied: false; reason: string } {
  let tid: number;
  try {
    // /proc/thread-self is this thread's /proc/<pid>/task/<tid> (Linux 3.17+); Node has no gettid().
    tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch (err) {
    return { applied: false, reason: `no /proc/thread-self (${(err as Error).message})` };
  }
  try {
    setPriority(tid, nice);
    return { applied: true, tid };
  } catch (err) {
    return { applied: false, reason: (err as Error).message };
  }
}
