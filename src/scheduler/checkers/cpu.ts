import type { Checker } from "./checker.js";

export const cpuChecker: Checker = {
  name: "cpu",
  static: false,
  memoKey: (request) => String(request.cpu),
  prepare: ({ state, request }) => {
    const need = request.cpu;
    if (need <= 0) return undefined;
    const cpu = state.cpu;
    return (i) => (cpu[i]! >= need ? undefined : "RESOURCE:CPU");
  },
};
