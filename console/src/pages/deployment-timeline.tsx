import type { Service } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client, DescribeRulesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { client, lastPart } from "../aws";
import { Chart } from "../chart";
import { Badge, Table, Time } from "../ui";

/** One moment of a deployment: what DescribeServices' deployments and events say happened. */
interface Step {
  at: Date;
  deployment: string;
  what: string;
  /** The share of production traffic on the new revision from then on (blue/green, linear, canary). */
  percent?: number;
}

const DEPLOYMENT = /\(deployment ([^)]+)\)/;
const SHIFTED = /(?:(\d+(?:\.\d+)?)% of )?production traffic shifted to the new service revision/;

/**
 * The steps of the service's deployments, oldest first: each deployment's creation (0 % of
 * production traffic on it under a traffic-shifting strategy), every traffic shift, completion,
 * failure and rollback ECS reported in its events.
 */
export function timelineOf(s: Service): Step[] {
  const shifting = (s.deploymentConfiguration?.strategy ?? "ROLLING") !== "ROLLING";
  const steps: Step[] = (s.deployments ?? []).map((d) => ({
    at: new Date(d.createdAt ?? 0), deployment: d.id ?? "", what: `started: ${lastPart(d.taskDefinition)}, ${d.desiredCount} tasks`,
    ...(shifting && d.status === "PRIMARY" && (s.deployments?.length ?? 0) > 1 ? { percent: 0 } : {}),
  }));
  for (const e of s.events ?? []) {
    const m = e.message ?? "";
    const deployment = DEPLOYMENT.exec(m)?.[1];
    const shifted = SHIFTED.exec(m);
    const at = new Date(e.createdAt ?? 0);
    if (shifted && deployment) steps.push({ at, deployment, what: `${shifted[1] ?? 100}% of production traffic on the new revision`, percent: Number(shifted[1] ?? 100) });
    else if (deployment && /deployment (completed|failed)/.test(m)) steps.push({ at, deployment, what: m.replace(/^\(service [^)]+\) \(deployment [^)]+\) /, "") });
    else if (/rolling back to deployment/.test(m)) steps.push({ at, deployment: m.split(" ").pop()!.replace(/\.$/, ""), what: "rollback started", percent: 0 });
  }
  return steps.sort((a, b) => +a.at - +b.at);
}

/** The production listener rules' forward weights now, by target group name (DescribeRules). */
export async function productionWeights(s: Service): Promise<Array<{ rule: string; weights: Array<{ group: string; weight: number }> }>> {
  const rules = (s.loadBalancers ?? []).map((lb) => lb.advancedConfiguration?.productionListenerRule).filter((r): r is string => !!r);
  if (rules.length === 0) return [];
  const described = (await client(ElasticLoadBalancingV2Client).send(new DescribeRulesCommand({ RuleArns: [...new Set(rules)] }))).Rules ?? [];
  return described.map((r) => ({
    rule: r.RuleArn ?? "",
    weights: (r.Actions ?? []).flatMap((a) => a.ForwardConfig?.TargetGroups ?? []).map((g) => ({ group: lastPart((g.TargetGroupArn ?? "").split("/").slice(0, -1).join("/")), weight: g.Weight ?? 0 })),
  }));
}

function strategyOf(s: Service): string {
  const c = s.deploymentConfiguration;
  const strategy = c?.strategy ?? "ROLLING";
  const bake = c?.bakeTimeInMinutes !== undefined ? `, bake time ${c.bakeTimeInMinutes} min` : "";
  if (strategy === "LINEAR") return `LINEAR: ${c?.linearConfiguration?.stepPercent ?? 10}% a step, ${c?.linearConfiguration?.stepBakeTimeInMinutes ?? 6} min a step${bake}`;
  if (strategy === "CANARY") return `CANARY: ${c?.canaryConfiguration?.canaryPercent ?? 5}% for ${c?.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10} min, then all${bake}`;
  if (strategy === "BLUE_GREEN") return `BLUE_GREEN: all production traffic at once${bake}`;
  return `ROLLING: minimum healthy ${c?.minimumHealthyPercent ?? 100}%, maximum ${c?.maximumPercent ?? 200}%`;
}

export function DeploymentTimeline({ service, weights }: { service: Service; weights: Awaited<ReturnType<typeof productionWeights>> }) {
  const steps = timelineOf(service);
  const shifts = steps.filter((st) => st.percent !== undefined);
  const now = Math.floor(Date.now() / 1000);
  // Production traffic on the newest revision: each value holds until the next step, and until now.
  const points = shifts.map((st): [number, number] => [Math.floor(+st.at / 1000), st.percent!]);
  if (points.length) points.push([now, points.at(-1)![1]]);
  return (
    <>
      <p data-field="strategy">Strategy <strong>{strategyOf(service)}</strong></p>
      {weights.map((w) => (
        <p key={w.rule} data-field="weights">
          Production rule now: {w.weights.map((g) => <span key={g.group} class="weight"><strong>{g.group}</strong> {g.weight} </span>)}
        </p>
      ))}
      {points.length > 0 && (
        <Chart title="Production traffic on the new revision (%)" unit="%" series={[{ label: "new revision %", points, color: "#16a34a", step: true }]} />
      )}
      <Table
        head={["Time", "Deployment", "Step", "Status"]}
        empty="No deployments."
        rows={steps.map((st) => {
          const d = service.deployments?.find((x) => x.id === st.deployment);
          return [<Time at={st.at} />, <span title={st.deployment}>{st.deployment.slice(0, 18)}</span>, st.what, d ? <span><Badge value={d.status} /> <Badge value={d.rolloutState} /></span> : <span class="muted">ended</span>];
        })}
      />
    </>
  );
}
