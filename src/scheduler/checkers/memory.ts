import type { Checker } from "./checker.js";

export const memoryChecker: Checker = {
  name: "memory",
  static: false,
  memoKey: (request) => String(request.memory),
  prepare: ({ state, request }) => {
    const need = request.memory;
    if (need <= 0) return undefined;
    const memory = state.memory;
    return (i) => (memory[i]! >= need ? undefined : "RESOURCE:MEMORY");
  },
};
