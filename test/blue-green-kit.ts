import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, DescribeRulesCommand,
  ModifyTargetGroupAttributesCommand, type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";

/** An `ip` target group for a busybox httpd on 8080 (health at /health), draining in 2 s so deployments finish quickly. */
export async function blueGreenTargetGroup(elb: ElasticLoadBalancingV2Client, name: string): Promise<string> {
  const arn = (await elb.send(new CreateTargetGroupCommand({
    Name: name, Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip",
    // Generous failure threshold: a busy machine must not fail a healthy busybox httpd.
    HealthCheckPath: "/health", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, HealthyThresholdCount: 2, UnhealthyThresholdCount: 10,
  }))).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "2" }] }));
  return arn;
}

/**
 * What ECS's blue/green, linear and canary deployments shift traffic in: an ALB whose HTTP:80
 * listener answers 404 by default, target groups NAME-blue and NAME-green, a production rule (/*)
 * sending everything to blue, and with `testRule` a test rule (header X-Test: yes) sending
 * everything to green.
 */
export async function blueGreenAlb(elb: ElasticLoadBalancingV2Client, name: string, { testRule = false } = {}) {
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const blue = await blueGreenTargetGroup(elb, `${name}-blue`);
  const green = await blueGreenTargetGroup(elb, `${name}-green`);
  const listener = (await elb.send(new CreateListenerCommand({
    LoadBalancerArn: lb.LoadBalancerArn!, Protocol: "HTTP", Port: 80,
    DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain", MessageBody: "no rule" } }],
  }))).Listeners![0]!.ListenerArn!;
  const rule = async (priority: number, conditions: object[], blueWeight: number) => (await elb.send(new CreateRuleCommand({
    ListenerArn: listener, Priority: priority, Conditions: conditions,
    Actions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: blueWeight }, { TargetGroupArn: green, Weight: 100 - blueWeight }] } }],
  }))).Rules![0]!.RuleArn!;
  const test = testRule ? await rule(5, [{ Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "X-Test", Values: ["yes"] } }], 0) : undefined;
  const production = await rule(10, [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }], 100);
  return { address, blue, green, listener, production, testRule: test };
}

/** A rule's forward weights by target group. */
export async function forwardWeights(elb: ElasticLoadBalancingV2Client, ruleArn: string): Promise<Record<string, number>> {
  const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules![0]!;
  const forward = rule.Actions!.find((a) => a.Type === "forward")!;
  return Object.fromEntries(forward.ForwardConfig!.TargetGroups!.map((g) => [g.TargetGroupArn!, g.Weight!]));
}
