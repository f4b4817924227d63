/**
 * What the load balancers' traffic did, as monotonically growing counters per load balancer and
 * per target group behind it. The data plane only counts; the control plane reads the counters
 * every few seconds, takes the difference with its previous reading and turns it into the
 * AWS/ApplicationELB and AWS/NetworkELB metrics (src/elbv2/metrics/). Counting here and
 * aggregating there keeps the proxy's hot path to a few additions.
 */
export interface TrafficCounters {
  /** By load balancer ARN: every load balancer of the current snapshot, and those that carried traffic since start. */
  readonly loadBalancers: Record<string, LoadBalancerCounters>;
}

export interface LoadBalancerCounters {
  /** ALB: requests for which a target was chosen (AWS's RequestCount). */
  requests: number;
  /** ALB: responses the load balancer generated itself, by status code (redirects, fixed responses, 5XX errors). */
  elbCodes: Record<string, number>;
  /** ALB: redirect and fixed-response actions carried out. */
  redirects: number;
  fixedResponses: number;
  /** NLB: TCP flows opened since start, flows open now, and bytes carried in both directions. */
  newFlows: number;
  activeFlows: number;
  processedBytes: number;
  /** By target group ARN: every group a listener of this load balancer forwards to now, and those that carried traffic. */
  targetGroups: Record<string, TargetGroupCounters>;
}

export interface TargetGroupCounters {
  /** Requests (ALB) sent to a target of the group. */
  requests: number;
  /** Responses the targets sent, by status code (502/504 the load balancer made in their place are not here). */
  targetCodes: Record<string, number>;
  /** Responses whose headers arrived, and the seconds from sending the request to those headers, summed. */
  responses: number;
  responseSecondsTotal: number;
  /** NLB: flows to the group's targets. */
  newFlows: number;
  activeFlows: number;
  processedBytes: number;
}

const newLoadBalancer = (): LoadBalancerCounters => ({ requests: 0, elbCodes: {}, redirects: 0, fixedResponses: 0, newFlows: 0, activeFlows: 0, processedBytes: 0, targetGroups: {} });
const newTargetGroup = (): TargetGroupCounters => ({ requests: 0, targetCodes: {}, responses: 0, responseSecondsTotal: 0, newFlows: 0, activeFlows: 0, processedBytes: 0 });

/** The counting side, used by the proxies. */
export class TrafficCounter {
  private readonly lbs = new Map<string, LoadBalancerCounters>();

  private lb(arn: string): LoadBalancerCounters {
    let c = this.lbs.get(arn);
    if (!c) this.lbs.set(arn, (c = newLoadBalancer()));
    return c;
  }

  private group(lbArn: string, groupArn: string): TargetGroupCounters {
    const lb = this.lb(lbArn);
    return (lb.targetGroups[groupArn] ??= newTargetGroup());
  }

  /** A request was given a target: it counts in RequestCount whatever happens next. */
  request(lbArn: string, groupArn: string): void {
    this.lb(lbArn).requests++;
    this.group(lbArn, groupArn).requests++;
  }

  /** The target's response headers arrived `seconds` after the request was sent. */
  targetResponse(lbArn: string, groupArn: string, status: number, seconds: number): void {
    const g = this.group(lbArn, groupArn);
    g.targetCodes[status] = (g.targetCodes[status] ?? 0) + 1;
    g.responses++;
    g.responseSecondsTotal += seconds;
  }

  /** The load balancer answered itself (`kind` says why, when it was an action rather than an error). */
  elbResponse(lbArn: string, status: number, kind?: "redirect" | "fixed-response"): void {
    const lb = this.lb(lbArn);
    lb.elbCodes[status] = (lb.elbCodes[status] ?? 0) + 1;
    if (kind === "redirect") lb.redirects++;
    if (kind === "fixed-response") lb.fixedResponses++;
  }

  flowOpened(lbArn: string, groupArn: string): void {
    const lb = this.lb(lbArn);
    const g = this.group(lbArn, groupArn);
    lb.newFlows++;
    lb.activeFlows++;
    g.newFlows++;
    g.activeFlows++;
  }

  flowClosed(lbArn: string, groupArn: string): void {
    const lb = this.lb(lbArn);
    const g = this.group(lbArn, groupArn);
    lb.activeFlows = Math.max(0, lb.activeFlows - 1);
    g.activeFlows = Math.max(0, g.activeFlows - 1);
  }

  bytes(lbArn: string, groupArn: string, n: number): void {
    this.lb(lbArn).processedBytes += n;
    this.group(lbArn, groupArn).processedBytes += n;
  }

  /**
   * A copy of every counter, with each load balancer of `inUse` (ARN -> the target groups its
   * listeners forward to) present even before any traffic, so its groups' health can be published.
   */
  read(inUse: ReadonlyMap<string, ReadonlySet<string>>): TrafficCounters {
    for (const [lbArn, groups] of inUse) for (const g of groups) this.group(lbArn, g);
    return { loadBalancers: structuredClone(Object.fromEntries(this.lbs)) };
  }
}
