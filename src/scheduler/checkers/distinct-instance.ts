import type { Checker } from "./checker.js";

/**
 * distinctInstance: each task of the group on a different instance — so not on one that already
 * runs a task of the group, including those this plan placed a moment ago. A constraint, so
 * ATTRIBUTE when it fails.
 */
export const distinctInstanceChecker: Checker = {
  name: "distinctInstance",
  static: false,
  memoKey: (request) => request.group,
  prepare: ({ state, request }) => {
    if (!request.distinctInstance) return undefined;
    const groupCount = state.groupCount;
    return (i) => (groupCount[i] === 0 ? undefined : "ATTRIBUTE");
  },
};
