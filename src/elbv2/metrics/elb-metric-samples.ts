import type { Scope } from "../../core/arn.js";
import { parseArn } from "../../core/arn.js";
import type { MetricSample } from "../../cloudwatch/metrics/metric-sink.js";
import type { TargetGroupHealth, TrafficCounters } from "../../dataplane/data-plane.js";
import type { LoadBalancerCounters, TargetGroupCounters } from "../../dataplane/traffic-counters.js";
import { loadBalancerPath } from "../ids.js";

/** The `targetgroup/NAME/ID` part of a target group ARN: the TargetGroup dimension's value. */
export const targetGroupPath = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);

export interface ScopedSamples {
  scope: Scope;
  samples: MetricSample[];
}

type Dimensions = MetricSample["dimensions"];

/**
 * AWS/ApplicationELB and AWS/NetworkELB data points for what happened between two readings of the
 * data plane's counters, with AWS's metric names, dimensions (`app/NAME/ID`,
 * `targetgroup/NAME/ID`) and units. As ELB does, a count is published only when it is not zero;
 * the host counts are published at every reading for each target group a listener forwards to
 * (with health checks on). `previous` undefined (the first reading) publishes counts since start.
 */
export function elbMetricSamples(previous: TrafficCounters | undefined, current: TrafficCounters, health: readonly TargetGroupHealth[], at: Date): ScopedSamples[] {
  const healthOf = new Map(health.map((h) => [h.TargetGroupArn, h]));
  const out: ScopedSamples[] = [];
  for (const [lbArn, now] of Object.entries(current.loadBalancers)) {
    const arn = parseArn(lbArn);
    if (!arn || arn.type !== "loadbalancer") continue;
    const lbPath = loadBalancerPath(lbArn);
    const delta = lbDelta(previous?.loadBalancers[lbArn], now);
    const samples: MetricSample[] = [];
    const network = lbPath.startsWith("net/");
    const namespace = network ? "AWS/NetworkELB" : "AWS/ApplicationELB";
    const add = (metricName: string, dimensions: Dimensions, value: number, unit: string) => samples.push({ namespace, metricName, dimensions, timestamp: at, value, unit });
    const addCount = (metricName: string, dimensions: Dimensions, value: number, unit = "Count") => {
      if (value > 0) add(metricName, dimensions, value, unit);
    };
    const lbDim: Dimensions = [{ name: "LoadBalancer", value: lbPath }];

    for (const groupArn of Object.keys(now.targetGroups)) {
      const dg = delta.targetGroups[groupArn]!;
      const tgDim: Dimensions = [{ name: "TargetGroup", value: targetGroupPath(groupArn) }];
      const both: Dimensions = [...tgDim, ...lbDim];
      const hosts = hostCounts(healthOf.get(groupArn));
      if (hosts) {
        add("HealthyHostCount", both, hosts.healthy, "Count");
        add("UnHealthyHostCount", both, hosts.unhealthy, "Count");
      }
      if (network) continue;
      addCount("RequestCount", both, dg.requests);
      addCount("RequestCount", tgDim, dg.requests);
      // RequestCountPerTarget: the group's requests over its healthy targets, or over all its
      // registered targets when none is healthy.
      const perTargetOver = hosts ? hosts.healthy || hosts.registered : 0;
      if (perTargetOver > 0) {
        addCount("RequestCountPerTarget", both, dg.requests / perTargetOver);
        addCount("RequestCountPerTarget", tgDim, dg.requests / perTargetOver);
      }
      for (const [name, n] of codeClasses(dg.targetCodes, "HTTPCode_Target_")) addCount(name, both, n);
      if (dg.responses > 0) add("TargetResponseTime", both, dg.responseSecondsTotal / dg.responses, "Seconds");
    }

    if (network) {
      addCount("NewFlowCount", lbDim, delta.newFlows);
      addCount("ActiveFlowCount", lbDim, now.activeFlows);
      addCount("ProcessedBytes", lbDim, delta.processedBytes, "Bytes");
    } else {
      addCount("RequestCount", lbDim, delta.requests);
      const responses = Object.values(delta.targetGroups).reduce((a, g) => ({ n: a.n + g.responses, s: a.s + g.responseSecondsTotal }), { n: 0, s: 0 });
      if (responses.n > 0) add("TargetResponseTime", lbDim, responses.s / responses.n, "Seconds");
      const targetCodes: Record<string, number> = {};
      for (const g of Object.values(delta.targetGroups)) for (const [code, n] of Object.entries(g.targetCodes)) targetCodes[code] = (targetCodes[code] ?? 0) + n;
      for (const [name, n] of codeClasses(targetCodes, "HTTPCode_Target_")) addCount(name, lbDim, n);
      for (const [name, n] of codeClasses(delta.elbCodes, "HTTPCode_ELB_")) if (name !== "HTTPCode_ELB_2XX_Count") addCount(name, lbDim, n);
      for (const code of ["500", "502", "503", "504"]) addCount(`HTTPCode_ELB_${code}_Count`, lbDim, delta.elbCodes[code] ?? 0);
      addCount("HTTP_Redirect_Count", lbDim, delta.redirects);
      addCount("HTTP_Fixed_Response_Count", lbDim, delta.fixedResponses);
    }
    if (samples.length > 0) out.push({ scope: { account: arn.account, region: arn.region }, samples });
  }
  return out;
}

/** Status codes summed by class: HTTPCode_Target_2XX_Count, ... (1XX is not an ELB metric). */
function codeClasses(codes: Record<string, number>, prefix: string): Array<[string, number]> {
  const classes = new Map<string, number>();
  for (const [code, n] of Object.entries(codes)) {
    const c = code[0];
    if (!c || c < "2" || c > "5") continue;
    const name = `${prefix}${c}XX_Count`;
    classes.set(name, (classes.get(name) ?? 0) + n);
  }
  return [...classes];
}

/** Healthy, unhealthy and registered (not draining) targets; undefined when the group is not health checked. */
function hostCounts(h: TargetGroupHealth | undefined): { healthy: number; unhealthy: number; registered: number } | undefined {
  if (!h) return undefined;
  const states = h.TargetHealthDescriptions.map((d) => d.TargetHealth?.State);
  if (states.some((s) => s === "unavailable" || s === "unused")) return undefined;
  return {
    healthy: states.filter((s) => s === "healthy").length,
    unhealthy: states.filter((s) => s === "unhealthy").length,
    registered: states.filter((s) => s !== "draining").length,
  };
}

/**
 * What grew since the previous reading. A counter lower than before means the data plane started
 * again (its counters restart at zero): the whole current value is new.
 */
function lbDelta(before: LoadBalancerCounters | undefined, now: LoadBalancerCounters): LoadBalancerCounters {
  const d = (a: number, b: number | undefined) => (b === undefined || a < b ? a : a - b);
  const codes = (a: Record<string, number>, b: Record<string, number> | undefined) =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, d(v, b?.[k])]).filter(([, v]) => (v as number) > 0));
  const restarted = before !== undefined && (now.requests < before.requests || now.newFlows < before.newFlows);
  const prev = restarted ? undefined : before;
  const groups: Record<string, TargetGroupCounters> = {};
  for (const [arn, g] of Object.entries(now.targetGroups)) {
    const p = prev?.targetGroups[arn];
    groups[arn] = {
      requests: d(g.requests, p?.requests),
      targetCodes: codes(g.targetCodes, p?.targetCodes),
      responses: d(g.responses, p?.responses),
      responseSecondsTotal: p === undefined || g.responseSecondsTotal < p.responseSecondsTotal ? g.responseSecondsTotal : g.responseSecondsTotal - p.responseSecondsTotal,
      newFlows: d(g.newFlows, p?.newFlows),
      activeFlows: g.activeFlows,
      processedBytes: d(g.processedBytes, p?.processedBytes),
    };
  }
  return {
    requests: d(now.requests, prev?.requests),
    elbCodes: codes(now.elbCodes, prev?.elbCodes),
    redirects: d(now.redirects, prev?.redirects),
    fixedResponses: d(now.fixedResponses, prev?.fixedResponses),
    newFlows: d(now.newFlows, prev?.newFlows),
    activeFlows: now.activeFlows,
    processedBytes: d(now.processedBytes, prev?.processedBytes),
    targetGroups: groups,
  };
}
