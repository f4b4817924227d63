/**
 * The NLB connections and UDP flows open towards each target (by targetKey), each with the way
 * to end it: what deregistration_delay.connection_termination.enabled needs to close a
 * deregistered target's flows when its drain ends (drain-termination.ts).
 */
export class FlowRegistry {
  private readonly open = new Map<string, Set<() => void>>();

  /** Records a flow; the returned function forgets it (call it when the flow ends by itself). */
  add(key: string, terminate: () => void): () => void {
    let flows = this.open.get(key);
    if (!flows) this.open.set(key, (flows = new Set()));
    flows.add(terminate);
    return () => {
      flows.delete(terminate);
      if (flows.size === 0 && this.open.get(key) === flows) this.open.delete(key);
    };
  }

  /** Ends every flow to the target. */
  terminate(key: string): void {
    for (const end of [...(this.open.get(key) ?? [])]) end();
    this.open.delete(key);
  }

  /** Targets with at least one open flow. */
  targets(): string[] {
    return [...this.open.keys()];
  }
}
