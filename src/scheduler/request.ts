import { dependsOnPlacement, type CqlNode } from "./cql/ast.js";
import type { CqlError } from "./cql/errors.js";
import { parseCql } from "./cql/parser.js";
import { printCql } from "./cql/printer.js";
import type { InstanceLaunchType, PlacementRequest, PlacementStrategy } from "./types.js";

/** ECS's limits: 10 constraints and 5 strategy rules per task. */
export const MAX_CONSTRAINTS = 10;
export const MAX_STRATEGIES = 5;

export type SpreadField = { readonly kind: "instance" } | { readonly kind: "attribute"; readonly name: string };
export type CompiledStrategy =
  | { readonly type: "binpack"; readonly resource: "cpu" | "memory" }
  | { readonly type: "spread"; readonly field: SpreadField }
  | { readonly type: "random" };

export interface MemberOf {
  /** Canonical text, so equal expressions share memoised results. */
  readonly key: string;
  readonly ast: CqlNode;
  /** Reads task:group or runningTasksCount, which this plan's own placements change. */
  readonly dynamic: boolean;
}

/** A request checked and put in the form the checkers and rankers read. */
export interface CompiledRequest {
  readonly cpu: number;
  readonly memory: number;
  readonly group: string;
  readonly count: number;
  readonly seed: number | string;
  readonly launchType: InstanceLaunchType;
  /** Requested ports in request order; hostPort 0 means "any from the dynamic range". */
  readonly ports: readonly { readonly protocol: "tcp" | "udp"; readonly hostPort: number }[];
  readonly staticTcp: readonly number[];
  readonly staticUdp: readonly number[];
  readonly dynamicTcp: number;
  readonly dynamicUdp: number;
  readonly distinctInstance: boolean;
  readonly memberOf: readonly MemberOf[];
  readonly strategies: readonly CompiledStrategy[];
}

/** Why a request is invalid; the ECS layer answers InvalidParameterException with `message`. */
export interface RequestError {
  readonly field: string;
  readonly message: string;
  /** Set when a memberOf expression does not parse: where it is wrong and what was expected. */
  readonly cql?: CqlError;
}

export type CompileResult = { readonly ok: true; readonly request: CompiledRequest } | { readonly ok: false; readonly error: RequestError };

export function compileRequest(req: PlacementRequest): CompileResult {
  const fail = (field: string, message: string, cql?: CqlError): CompileResult => ({ ok: false, error: { field, message, ...(cql ? { cql } : {}) } });

  for (const [field, v] of [["cpu", req.cpu], ["memory", req.memory]] as const) {
    if (!Number.isFinite(v) || v < 0) return fail(field, `${field} must be a number of at least 0.`);
  }
  if (!Number.isInteger(req.count) || req.count < 0) return fail("count", "count must be a whole number of at least 0.");
  const launchType = req.launchType ?? "EC2";
  if (launchType !== "EC2" && launchType !== "EXTERNAL") return fail("launchType", `Tasks with launch type ${launchType} are not placed on container instances.`);

  const ports: { protocol: "tcp" | "udp"; hostPort: number }[] = [];
  const seen = new Set<string>();
  for (const p of req.ports ?? []) {
    const protocol = p.protocol ?? "tcp";
    const hostPort = p.hostPort ?? 0;
    if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) return fail("ports", `Host port ${hostPort} is not between 0 and 65535.`);
    if (hostPort !== 0) {
      const key = `${protocol}/${hostPort}`;
      if (seen.has(key)) return fail("ports", `Host port ${hostPort}/${protocol} is requested more than once.`);
      seen.add(key);
    }
    ports.push({ protocol, hostPort });
  }

  const constraints = req.constraints ?? [];
  if (constraints.length > MAX_CONSTRAINTS) return fail("placementConstraints", `A task can have at most ${MAX_CONSTRAINTS} placement constraints.`);
  let distinctInstance = false;
  const memberOf: MemberOf[] = [];
  for (const c of constraints) {
    if (c.type === "distinctInstance") {
      if (c.expression !== undefined && c.expression !== "") return fail("placementConstraints", "A distinctInstance constraint cannot have an expression.");
      distinctInstance = true;
    } else if (c.type === "memberOf") {
      if (!c.expression) return fail("placementConstraints", "A memberOf constraint requires an expression.");
      const parsed = parseCql(c.expression);
      if (!parsed.ok) return fail("placementConstraints", parsed.error.message, parsed.error);
      memberOf.push({ key: printCql(parsed.ast), ast: parsed.ast, dynamic: dependsOnPlacement(parsed.ast) });
    } else return fail("placementConstraints", `Unknown placement constraint type ${JSON.stringify(c.type)}: expected distinctInstance or memberOf.`);
  }

  const rules = req.strategies ?? [];
  if (rules.length > MAX_STRATEGIES) return fail("placementStrategy", `A task can have at most ${MAX_STRATEGIES} placement strategy rules.`);
  const strategies: CompiledStrategy[] = [];
  for (const s of rules) {
    const compiled = compileStrategy(s);
    if ("message" in compiled) return fail("placementStrategy", compiled.message);
    strategies.push(compiled);
  }

  return {
    ok: true,
    request: {
      cpu: req.cpu,
      memory: req.memory,
      group: req.group,
      count: req.count,
      seed: req.seed,
      launchType,
      ports,
      staticTcp: ports.filter((p) => p.protocol === "tcp" && p.hostPort).map((p) => p.hostPort),
      staticUdp: ports.filter((p) => p.protocol === "udp" && p.hostPort).map((p) => p.hostPort),
      dynamicTcp: ports.filter((p) => p.protocol === "tcp" && !p.hostPort).length,
      dynamicUdp: ports.filter((p) => p.protocol === "udp" && !p.hostPort).length,
      distinctInstance,
      memberOf,
      strategies,
    },
  };
}

/** Compiles one strategy rule; fields as ECS accepts them (cpu / memory; instanceId, host, attribute:NAME). */
export function compileStrategy(s: PlacementStrategy): CompiledStrategy | { message: string } {
  const field = s.field?.trim();
  switch (s.type) {
    case "binpack": {
      const resource = field?.toLowerCase();
      if (resource === "cpu" || resource === "memory") return { type: "binpack", resource };
      return { message: `The binpack placement strategy needs field cpu or memory, not ${JSON.stringify(s.field ?? "")}.` };
    }
    case "spread": {
      const lower = field?.toLowerCase();
      if (lower === "instanceid" || lower === "host") return { type: "spread", field: { kind: "instance" } };
      if (field?.startsWith("attribute:") && field.length > "attribute:".length) return { type: "spread", field: { kind: "attribute", name: field.slice("attribute:".length) } };
      return { message: `The spread placement strategy needs field instanceId, host or attribute:<name>, not ${JSON.stringify(s.field ?? "")}.` };
    }
    case "random":
      return { type: "random" }; // ECS ignores a field on random
    default:
      return { message: `Unknown placement strategy type ${JSON.stringify(s.type)}: expected binpack, spread or random.` };
  }
}
