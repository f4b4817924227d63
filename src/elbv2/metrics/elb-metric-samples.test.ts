import { test } from "node:test";
import assert from "node:assert/strict";
import type { TrafficCounters } from "../../dataplane/data-plane.js";
import type { LoadBalancerCounters, TargetGroupCounters } from "../../dataplane/traffic-counters.js";
import { elbMetricSamples } from "./elb-metric-samples.js";

const alb = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188";
const nlb = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/tcp/73e2d6bc24d8a067";
const tg = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-tg/6d0ecf831eec9f09";
const ntg = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/tcp-tg/943f017f100becff";
const at = new Date("2026-03-01T12:00:00Z");

const group = (over: Partial<TargetGroupCounters> = {}): TargetGroupCounters => ({ requests: 0, targetCodes: {}, responses: 0, responseSecondsTotal: 0, newFlows: 0, activeFlows: 0, processedBytes: 0, ...over });
const lb = (over: Partial<LoadBalancerCounters> = {}): LoadBalancerCounters => ({ requests: 0, elbCodes: {}, redirects: 0, fixedResponses: 0, newFlows: 0, activeFlows: 0, processedBytes: 0, targetGroups: {}, ...over });
const healthy = (states: string[]) => [{ TargetGroupArn: tg, TargetHealthDescriptions: states.map((State, i) => ({ Target: { Id: `10.0.0.${i}`, Port: 80 }, TargetHealth: { State: State as "healthy" } })) }];

/** "Metric{Dim=value,...}" -> value, for readable assertions. */
function flat(counters: TrafficCounters, previous?: TrafficCounters, health = healthy(["healthy", "healthy", "unhealthy"])) {
  const out: Record<string, number | string> = {};
  for (const { scope, samples } of elbMetricSamples(previous, counters, health, at)) {
    assert.deepEqual(scope, { account: "111122223333", region: "eu-west-1" });
    for (const s of samples) {
      assert.equal(s.timestamp, at);
      const key = `${s.namespace.split("/")[1]} ${s.metricName}{${s.dimensions.map((d) => `${d.name}=${d.value}`).join(",")}}`;
      assert.equal(out[key], undefined, `${key} published once`);
      out[key] = s.value;
      out[`${key} unit`] = s.unit!;
    }
  }
  return out;
}

test("ALB: counts by LoadBalancer, TargetGroup and both, with AWS's dimension values; host counts; per-target requests over healthy targets", () => {
  const now: TrafficCounters = {
    loadBalancers: {
      [alb]: lb({
        requests: 10,
        elbCodes: { 502: 1, 503: 2, 301: 1 },
        redirects: 1,
        targetGroups: { [tg]: group({ requests: 10, targetCodes: { 200: 6, 204: 1, 404: 2 }, responses: 9, responseSecondsTotal: 0.9 }) },
      }),
    },
  };
  const m = flat(now);
  const both = "TargetGroup=targetgroup/web-tg/6d0ecf831eec9f09,LoadBalancer=app/web/50dc6c495c0c9188";
  const lbOnly = "LoadBalancer=app/web/50dc6c495c0c9188";
  assert.equal(m[`ApplicationELB RequestCount{${lbOnly}}`], 10);
  assert.equal(m[`ApplicationELB RequestCount{${both}}`], 10);
  assert.equal(m[`ApplicationELB RequestCount{TargetGroup=targetgroup/web-tg/6d0ecf831eec9f09}`], 10);
  assert.equal(m[`ApplicationELB RequestCountPerTarget{${both}}`], 5, "10 requests over 2 healthy targets");
  assert.equal(m[`ApplicationELB HTTPCode_Target_2XX_Count{${lbOnly}}`], 7);
  assert.equal(m[`ApplicationELB HTTPCode_Target_4XX_Count{${both}}`], 2);
  assert.equal(m[`ApplicationELB HTTPCode_Target_5XX_Count{${lbOnly}}`], undefined, "a zero count is not published");
  assert.equal(m[`ApplicationELB HTTPCode_ELB_5XX_Count{${lbOnly}}`], 3);
  assert.equal(m[`ApplicationELB HTTPCode_ELB_502_Count{${lbOnly}}`], 1);
  assert.equal(m[`ApplicationELB HTTPCode_ELB_503_Count{${lbOnly}}`], 2);
  assert.equal(m[`ApplicationELB HTTPCode_ELB_3XX_Count{${lbOnly}}`], 1);
  assert.equal(m[`ApplicationELB HTTP_Redirect_Count{${lbOnly}}`], 1);
  assert.equal(m[`ApplicationELB TargetResponseTime{${lbOnly}}`], 0.1);
  assert.equal(m[`ApplicationELB TargetResponseTime{${lbOnly}} unit`], "Seconds");
  assert.equal(m[`ApplicationELB HealthyHostCount{${both}}`], 2);
  assert.equal(m[`ApplicationELB UnHealthyHostCount{${both}}`], 1);
  assert.equal(m[`ApplicationELB RequestCount{${lbOnly}} unit`], "Count");
});

test("each reading publishes what grew since the previous one; a restarted data plane counts from zero again", () => {
  const first: TrafficCounters = { loadBalancers: { [alb]: lb({ requests: 4, targetGroups: { [tg]: group({ requests: 4, targetCodes: { 200: 4 }, responses: 4, responseSecondsTotal: 4 }) } }) } };
  const second: TrafficCounters = { loadBalancers: { [alb]: lb({ requests: 10, targetGroups: { [tg]: group({ requests: 10, targetCodes: { 200: 9, 500: 1 }, responses: 10, responseSecondsTotal: 4.6 }) } }) } };
  const m = flat(second, first);
  assert.equal(m["ApplicationELB RequestCount{LoadBalancer=app/web/50dc6c495c0c9188}"], 6);
  assert.equal(m["ApplicationELB HTTPCode_Target_2XX_Count{LoadBalancer=app/web/50dc6c495c0c9188}"], 5);
  assert.equal(m["ApplicationELB HTTPCode_Target_5XX_Count{LoadBalancer=app/web/50dc6c495c0c9188}"], 1);
  assert.ok(Math.abs((m["ApplicationELB TargetResponseTime{LoadBalancer=app/web/50dc6c495c0c9188}"] as number) - 0.1) < 1e-9);
  const quiet = flat(second, second);
  assert.deepEqual(Object.keys(quiet).filter((k) => !k.endsWith(" unit")).sort(), [
    "ApplicationELB HealthyHostCount{TargetGroup=targetgroup/web-tg/6d0ecf831eec9f09,LoadBalancer=app/web/50dc6c495c0c9188}",
    "ApplicationELB UnHealthyHostCount{TargetGroup=targetgroup/web-tg/6d0ecf831eec9f09,LoadBalancer=app/web/50dc6c495c0c9188}",
  ], "no traffic: only the host counts");
  const restarted = flat({ loadBalancers: { [alb]: lb({ requests: 2, targetGroups: { [tg]: group({ requests: 2 }) } }) } }, second);
  assert.equal(restarted["ApplicationELB RequestCount{LoadBalancer=app/web/50dc6c495c0c9188}"], 2);
});

test("RequestCountPerTarget divides by every registered target when none is healthy; groups without health checks get no host counts", () => {
  const now: TrafficCounters = { loadBalancers: { [alb]: lb({ requests: 6, targetGroups: { [tg]: group({ requests: 6 }) } }) } };
  const m = flat(now, undefined, healthy(["unhealthy", "unhealthy", "draining"]));
  assert.equal(m["ApplicationELB RequestCountPerTarget{TargetGroup=targetgroup/web-tg/6d0ecf831eec9f09}"], 3);
  const off = flat(now, undefined, healthy(["unavailable"]));
  assert.equal(Object.keys(off).some((k) => k.includes("HostCount") || k.includes("PerTarget")), false);
});

test("NLB: AWS/NetworkELB flows, bytes and host counts", () => {
  const now: TrafficCounters = { loadBalancers: { [nlb]: lb({ newFlows: 3, activeFlows: 1, processedBytes: 26, targetGroups: { [ntg]: group({ newFlows: 3, activeFlows: 1, processedBytes: 26 }) } }) } };
  const health = [{ TargetGroupArn: ntg, TargetHealthDescriptions: [{ Target: { Id: "i-1", Port: 80 }, TargetHealth: { State: "healthy" as const } }] }];
  const m = flat(now, undefined, health);
  const lbOnly = "LoadBalancer=net/tcp/73e2d6bc24d8a067";
  assert.equal(m[`NetworkELB NewFlowCount{${lbOnly}}`], 3);
  assert.equal(m[`NetworkELB ActiveFlowCount{${lbOnly}}`], 1);
  assert.equal(m[`NetworkELB ProcessedBytes{${lbOnly}}`], 26);
  assert.equal(m[`NetworkELB ProcessedBytes{${lbOnly}} unit`], "Bytes");
  assert.equal(m[`NetworkELB HealthyHostCount{TargetGroup=targetgroup/tcp-tg/943f017f100becff,${lbOnly}}`], 1);
  assert.equal(Object.keys(m).some((k) => k.includes("RequestCount")), false);
});
