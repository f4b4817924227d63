import type { Protocol } from "../types.js";
import type { Checker } from "./checker.js";

/**
 * Host ports of one protocol: every static port must be free, and the dynamic range must still
 * hold one free port per dynamic mapping (after the static ports that fall inside it). ECS's
 * resources are PORTS and PORTS_UDP; the reasons follow them.
 */
function portsChecker(protocol: Protocol): Checker {
  const reason = protocol === "tcp" ? "RESOURCE:PORTS" : "RESOURCE:PORTS_UDP";
  return {
    name: `ports/${protocol}`,
    static: false,
    memoKey: (request) =>
      protocol === "tcp" ? `${request.staticTcp.join(",")}+${request.dynamicTcp}` : `${request.staticUdp.join(",")}+${request.dynamicUdp}`,
    prepare: ({ state, request, index }) => {
      const fixed = protocol === "tcp" ? request.staticTcp : request.staticUdp;
      const dynamic = protocol === "tcp" ? request.dynamicTcp : request.dynamicUdp;
      if (fixed.length === 0 && dynamic === 0) return undefined;
      return (i) => {
        let fixedInRange = 0;
        for (const p of fixed) {
          if (state.isPortTaken(protocol, i, p)) return reason;
          if (p >= index.dynFrom[i]! && p <= index.dynTo[i]!) fixedInRange++;
        }
        if (dynamic > 0 && state.freeDynamicPorts(protocol, i) - fixedInRange < dynamic) return reason;
        return undefined;
      };
    },
  };
}

export const tcpPortsChecker = portsChecker("tcp");
export const udpPortsChecker = portsChecker("udp");
