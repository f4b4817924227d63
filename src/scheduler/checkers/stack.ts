import type { FailureReason } from "../types.js";
import { agentChecker } from "./agent.js";
import type { Check, CheckContext, Checker } from "./checker.js";
import { cpuChecker } from "./cpu.js";
import { distinctInstanceChecker } from "./distinct-instance.js";
import { launchTypeChecker } from "./launch-type.js";
import { memoryChecker } from "./memory.js";
import { dynamicMemberOfChecker, staticMemberOfChecker } from "./member-of.js";
import { tcpPortsChecker, udpPortsChecker } from "./ports.js";
import { statusChecker } from "./status.js";

/**
 * The feasibility stack, in the order that decides which reason an instance gets (ECS reports
 * one reason per instance: the first check it fails).
 *
 * 1. status, agent — an instance that cannot run anything is reported as such (DRAINING,
 *    INACTIVE, AGENT), not as short of memory.
 * 2. launch type — an EC2 task on an EXTERNAL instance is a capability mismatch.
 * 3. cpu, memory, ports (tcp, then udp) — ECS's guide: "identify the instances that satisfy the
 *    CPU, memory, and port requirements", in that order, first.
 * 4. constraints (distinctInstance, then memberOf) — "then identify the instances that satisfy
 *    the task placement constraints"; distinctInstance first because it is a counter read.
 *
 * This order is for reasons only. To decide feasibility the plan runs the static checkers first
 * (memoised per index, so most instances are settled by one array read) and the rest after.
 */
export const FEASIBILITY_STACK: readonly Checker[] = [
  statusChecker,
  agentChecker,
  launchTypeChecker,
  cpuChecker,
  memoryChecker,
  tcpPortsChecker,
  udpPortsChecker,
  distinctInstanceChecker,
  staticMemberOfChecker,
  dynamicMemberOfChecker,
];

/** The stack prepared for one request and plan. */
export class Feasibility {
  /** Instances that pass every static check, in snapshot order (shared via the index memo). */
  readonly eligible: Int32Array;
  private readonly ordered: readonly { readonly checker: Checker; readonly check: Check }[];
  private readonly dynamic: readonly Check[];
  private readonly initialKey: string;
  private readonly ctx: CheckContext;

  constructor(ctx: CheckContext, stack: readonly Checker[] = FEASIBILITY_STACK) {
    const ordered = stack.flatMap((checker) => {
      const check = checker.prepare(ctx);
      return check ? [{ checker, check }] : [];
    });
    this.ordered = ordered;
    const statics = ordered.filter((c) => c.checker.static);
    const dynamics = ordered.filter((c) => !c.checker.static);
    this.dynamic = dynamics.map((c) => c.check);
    const key = (cs: typeof ordered) => cs.map((c) => `${c.checker.name}=${c.checker.memoKey(ctx.request)}`).join("|");
    const staticKey = `eligible:${key(statics)}`;
    this.eligible = ctx.index.memoize(staticKey, () => filter(ctx.index.size, (i) => statics.every((c) => c.check(i) === undefined)));
    this.initialKey = `${staticKey}#${key(dynamics)}`;
    this.ctx = ctx;
  }

  /**
   * The instances that pass every check now. Before the plan's first placement the state is the
   * index's own, so the answer depends only on the index and the request and is memoised (shared
   * by every request that asks the same); after it, it is computed afresh.
   */
  candidates(): Int32Array {
    const compute = () => this.eligible.filter((i) => this.passesDynamic(i));
    return this.ctx.state.placements === 0 ? this.ctx.index.memoize(this.initialKey, compute) : compute();
  }

  /** For an instance already known to pass the static checks: does it pass the rest now? */
  passesDynamic(i: number): boolean {
    for (const check of this.dynamic) if (check(i) !== undefined) return false;
    return true;
  }

  /** The reason ECS would report for instance i now, or undefined when it can take the task. */
  explain(i: number): FailureReason | undefined {
    for (const { check } of this.ordered) {
      const reason = check(i);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
}

function filter(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}
