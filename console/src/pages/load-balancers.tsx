import { ElasticLoadBalancingV2Client, DescribeLoadBalancersCommand, DescribeListenersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, type Action, type RuleCondition } from "@aws-sdk/client-elastic-load-balancing-v2";
import { allPages, client, lastPart } from "../aws";
import { useLoad } from "../live";
import { Badge, Link, Loading, Page, Section, Table, Time } from "../ui";
import { href } from "../router";

export function LoadBalancersPage() {
  const loaded = useLoad(() => allPages(async (Marker) => {
    const r = await client(ElasticLoadBalancingV2Client).send(new DescribeLoadBalancersCommand({ Marker }));
    return { items: r.LoadBalancers ?? [], next: r.NextMarker };
  }), [], () => false);
  return (
    <Page title="Load balancers">
      <Loading loaded={loaded}>
        {(lbs) => (
          <Section title={`${lbs.length} load balancers`}>
            <Table
              head={["Name", "Type", "State", "DNS name", "Scheme", "Created"]}
              empty="No load balancers in this account and region."
              rows={lbs.map((lb) => [
                <Link to={["load-balancers", lb.LoadBalancerName!]}>{lb.LoadBalancerName}</Link>, lb.Type, <Badge value={lb.State?.Code} />,
                <code>{lb.DNSName}</code>, lb.Scheme, <Time at={lb.CreatedTime} />,
              ])}
            />
          </Section>
        )}
      </Loading>
    </Page>
  );
}

const describeAction = (a: Action) =>
  a.Type === "forward" ? `forward to ${(a.ForwardConfig?.TargetGroups ?? [{ TargetGroupArn: a.TargetGroupArn }]).map((t) => `${lastPart(t.TargetGroupArn?.split("/").slice(0, -1).join("/"))}${t.Weight !== undefined ? ` (${t.Weight})` : ""}`).join(", ")}`
  : a.Type === "redirect" ? `redirect ${a.RedirectConfig?.StatusCode} to ${a.RedirectConfig?.Protocol}://${a.RedirectConfig?.Host}:${a.RedirectConfig?.Port}${a.RedirectConfig?.Path}`
  : a.Type === "fixed-response" ? `fixed response ${a.FixedResponseConfig?.StatusCode}` : a.Type ?? "";
const describeCondition = (c: RuleCondition) => `${c.Field} ${(c.Values ?? c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values ?? []).join(" | ")}`;

export function LoadBalancerPage({ name }: { name: string }) {
  const loaded = useLoad(async () => {
    const elb = client(ElasticLoadBalancingV2Client);
    const [lb] = (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers ?? [];
    if (!lb) return null;
    const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    const rules = await Promise.all(listeners.map(async (l) => (await elb.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []));
    const groups = (await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups ?? [];
    const health = await Promise.all(groups.map(async (g) => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.TargetGroupArn }))).TargetHealthDescriptions ?? []));
    return { lb, listeners, rules, groups, health };
  }, [name]);
  return (
    <Page title={name} crumbs={[["Load balancers", href("load-balancers")]]}>
      <Loading loaded={loaded}>
        {(data) =>
          !data ? <div class="error" role="alert">LoadBalancerNotFound: no load balancer {name}.</div> : (
            <>
              <p class="summary"><Badge value={data.lb.State?.Code} /> {data.lb.Type}, {data.lb.Scheme}, <code>{data.lb.DNSName}</code></p>
              <Section title="Listeners and rules" id="listeners">
                {data.listeners.length === 0 && <p class="muted">No listeners.</p>}
                {data.listeners.map((l, i) => (
                  <div key={l.ListenerArn}>
                    <h3>{l.Protocol}:{l.Port}</h3>
                    <Table
                      head={["Priority", "Conditions", "Actions"]}
                      rows={(data.rules[i] ?? []).map((r) => [r.Priority, (r.Conditions ?? []).map(describeCondition).join("; ") || "any request", (r.Actions ?? []).map(describeAction).join("; ")])}
                    />
                  </div>
                ))}
              </Section>
              <Section title="Target groups and target health" id="targets">
                {data.groups.map((g, i) => (
                  <div key={g.TargetGroupArn}>
                    <h3>{g.TargetGroupName} <span class="muted">({g.Protocol}:{g.Port}, {g.TargetType}, health check {g.HealthCheckPath ?? g.HealthCheckProtocol})</span></h3>
                    <Table
                      head={["Target", "Port", "State", "Reason", "Description"]}
                      empty="No targets registered."
                      rows={(data.health[i] ?? []).map((h) => [h.Target?.Id, h.Target?.Port, <Badge value={h.TargetHealth?.State} />, h.TargetHealth?.Reason ?? "", h.TargetHealth?.Description ?? ""])}
                    />
                  </div>
                ))}
              </Section>
            </>
          )
        }
      </Loading>
    </Page>
  );
}
