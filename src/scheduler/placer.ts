import { CandidateSet } from "./candidate-set.js";
import type { ClusterIndex } from "./cluster-index.js";
import { Feasibility } from "./checkers/stack.js";
import type { CompiledRequest } from "./request.js";
import { createRng, type Rng } from "./rng.js";
import { PlacementState } from "./state.js";
import { buildRankers } from "./strategies/build.js";
import type { Ranker } from "./strategies/ranker.js";
import { selectBest } from "./strategies/select.js";
import type { FailureReason, Placement, PlacementFailure } from "./types.js";

/**
 * One placement decision at a time for one request, after nomad's GenericStack: feasibility
 * first (the checker stack), then ranking (the strategies), then a seeded choice among ties.
 *
 * The candidate set holds every instance that can take the next task. A placement changes only
 * the instance it lands on, so after each one only that instance is re-checked; each decision
 * then costs one ranking pass over the candidates.
 */
export class Placer {
  private readonly state: PlacementState;
  private readonly feasibility: Feasibility;
  private readonly candidates: CandidateSet;
  private readonly rankers: readonly Ranker[];
  private readonly rng: Rng;
  private readonly scratch: Float64Array;

  constructor(
    private readonly index: ClusterIndex,
    private readonly request: CompiledRequest,
  ) {
    this.state = new PlacementState(index, request.group);
    this.feasibility = new Feasibility({ request, index, state: this.state });
    this.candidates = CandidateSet.of(this.feasibility.candidates(), index.size);
    this.rankers = buildRankers(request.strategies, index, this.state);
    this.rng = createRng(request.seed);
    this.scratch = new Float64Array(this.rankers.length);
  }

  /** Places one task, or returns undefined when no instance can take it. */
  next(): Placement | undefined {
    const { members, size } = this.candidates;
    if (size === 0) return undefined;
    const i = selectBest(members, size, this.rankers, this.rng, this.scratch);
    const { request, state } = this;
    const hostPorts = state.place(i, request.cpu, request.memory, request.ports);
    for (const r of this.rankers) r.placed(i);
    if (!this.feasibility.passesDynamic(i)) this.candidates.remove(i);
    const inst = this.index.instances[i]!;
    return { instanceId: inst.id, instanceArn: inst.arn, hostPorts };
  }

  /** Why each instance cannot take the next task now: one entry per instance, as RunTask reports. */
  failures(): { failures: PlacementFailure[]; rejected: Partial<Record<FailureReason, number>> } {
    if (this.index.size === 0) {
      const failure: PlacementFailure = this.index.clusterArn ? { arn: this.index.clusterArn, reason: "MISSING" } : { reason: "MISSING" };
      return { failures: [failure], rejected: { MISSING: 1 } };
    }
    const failures: PlacementFailure[] = [];
    const rejected: Partial<Record<FailureReason, number>> = {};
    for (let i = 0; i < this.index.size; i++) {
      const reason = this.feasibility.explain(i);
      if (reason === undefined) continue;
      failures.push({ arn: this.index.instances[i]!.arn, reason });
      rejected[reason] = (rejected[reason] ?? 0) + 1;
    }
    return { failures, rejected };
  }
}
