import type { Checker } from "./checker.js";

/** A task sent to an instance whose agent is disconnected would wait indefinitely; ECS rejects it with AGENT. */
export const agentChecker: Checker = {
  name: "agent",
  static: true,
  memoKey: () => "",
  prepare: ({ index }) => (i) => (index.instances[i]!.agentConnected ? undefined : "AGENT"),
};
