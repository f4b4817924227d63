import type { Checker } from "./checker.js";

/**
 * Only ACTIVE instances take new tasks: DRAINING ones are being emptied, and the others are
 * not (or no longer) part of the cluster. The reason is the status itself, as StartTask reports
 * INACTIVE for a deregistered instance.
 */
export const statusChecker: Checker = {
  name: "status",
  static: true,
  memoKey: () => "",
  prepare: ({ index }) => (i) => {
    const status = index.instances[i]!.status;
    return status === "ACTIVE" ? undefined : status;
  },
};
