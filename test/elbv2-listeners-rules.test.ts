import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, CreateTargetGroupCommand, CreateListenerCommand, DescribeListenersCommand,
  ModifyListenerCommand, DeleteListenerCommand, CreateRuleCommand, DescribeRulesCommand, ModifyRuleCommand, DeleteRuleCommand,
  SetRulePrioritiesCommand, DescribeTargetGroupsCommand, RegisterTargetsCommand, DescribeTargetHealthCommand, DeleteTargetGroupCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { failure } from "./failure.js";

/** ELBv2 listeners and rules through the API: AWS's shapes, conflicts and validation; bad input changes nothing. */
let berth: BerthProcess;
let elb: ElasticLoadBalancingV2Client;
let lbArn: string;
let tgArn: string;

before(async () => {
  berth = await BerthProcess.start();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: "web", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!.LoadBalancerArn!;
  tgArn = (await elb.send(new CreateTargetGroupCommand({ Name: "web", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip" }))).TargetGroups![0]!.TargetGroupArn!;
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});


test("listeners: the issue's CLI call, port conflicts, protocols, actions", async () => {
  const out = await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lbArn, "--protocol", "HTTP", "--port", "80", "--default-actions", `Type=forward,TargetGroupArn=${tgArn}`);
  const listener = out.Listeners[0];
  assert.match(listener.ListenerArn, /:listener\/app\/web\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
  assert.equal(listener.DefaultActions[0].TargetGroupArn, tgArn);
  assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups![0]!.LoadBalancerArns, [lbArn]);

  // The group now receives traffic: its targets are initial (in registration, then in their first
  // health checks: the data plane starts checking as soon as the registration is served).
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.7" }] }));
  const [h] = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
  assert.equal(h!.TargetHealth!.State, "initial");
  assert.match(h!.TargetHealth!.Reason!, /^Elb\.(RegistrationInProgress|InitialHealthChecking)$/);
  assert.equal((await failure(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn })))).name, "ResourceInUseException");

  const cases: Array<[Record<string, unknown>, string]> = [
    [{ Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404" } }] }, "DuplicateListenerException"],
    [{ Protocol: "TCP", Port: 81, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }, "UnsupportedProtocolException"],
    [{ Protocol: "HTTPS", Port: 443, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }, "ValidationError"],
    [{ Protocol: "HTTP", Port: 82, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn.replace(/[0-9a-f]{16}$/, "0000000000000000") }] }, "TargetGroupNotFoundException"],
    [{ Protocol: "HTTP", Port: 83, DefaultActions: [{ Type: "redirect" }] }, "ValidationError"],
    [{ Protocol: "HTTP", Port: 84, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "302" } }] }, "ValidationError"],
    // The API reference's ranges: weights 0-999; group stickiness needs a duration of 1-604800 s.
    [{ Protocol: "HTTP", Port: 85, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn, Weight: 1000 }] } }] }, "ValidationError"],
    [{ Protocol: "HTTP", Port: 86, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn }], TargetGroupStickinessConfig: { Enabled: true } } }] }, "ValidationError"],
    [{ Protocol: "HTTP", Port: 87, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn }], TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 0 } } }] }, "ValidationError"],
  ];
  for (const [input, code] of cases) assert.equal((await failure(elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, ...input } as never)))).name, code, JSON.stringify(input));
  const duplicate = await failure(elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404" } }] })));
  assert.equal(duplicate.message, `A listener already exists on this port for this load balancer '${lbArn}'`);
  assert.equal((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners!.length, 1);

  const redirect = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: 8080, DefaultActions: [{ Type: "redirect", RedirectConfig: { StatusCode: "HTTP_301", Port: "80" } }] }))).Listeners![0]!;
  assert.deepEqual(redirect.DefaultActions![0]!.RedirectConfig, { Protocol: "#{protocol}", Port: "80", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301" });
  const taken = await failure(elb.send(new ModifyListenerCommand({ ListenerArn: redirect.ListenerArn, Port: 80 })));
  assert.deepEqual([taken.name, taken.message], ["ValidationError", "Listener port '80' is already in use"]);
  const moved = (await elb.send(new ModifyListenerCommand({ ListenerArn: redirect.ListenerArn, Port: 8081 }))).Listeners![0]!;
  assert.equal(moved.Port, 8081);
  await elb.send(new DeleteListenerCommand({ ListenerArn: redirect.ListenerArn }));
  assert.equal((await failure(elb.send(new DescribeListenersCommand({ ListenerArns: [redirect.ListenerArn!] })))).name, "ListenerNotFoundException");
});

test("rules: priorities unique per listener, conditions validated, SetRulePriorities, the default rule", async () => {
  const [listener] = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners!;
  const listenerArn = listener!.ListenerArn!;
  const forward = [{ Type: "forward" as const, TargetGroupArn: tgArn }];
  const r10 = (await elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 10, Conditions: [{ Field: "path-pattern", Values: ["/api/*"] }], Actions: forward }))).Rules![0]!;
  const r20 = (await berth.aws("elbv2", "create-rule", "--listener-arn", listenerArn, "--priority", "20", "--conditions", "Field=host-header,HostHeaderConfig={Values=[api.example.com]}",
    "--actions", "Type=fixed-response,FixedResponseConfig={StatusCode=404,ContentType=text/plain,MessageBody=nope}")).Rules[0];
  assert.equal(r10.Priority, "10");

  const bad: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ Priority: 10, Conditions: [{ Field: "path-pattern", Values: ["/x"] }] }, "PriorityInUseException", /^Priority '10' is currently in use$/],
    [{ Priority: 30, Conditions: [{ Field: "cookie", Values: ["x"] }] }, "ValidationError", /Condition field 'cookie' must be one of/],
    [{ Priority: 30, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/1", "/2", "/3"] } }, { Field: "host-header", HostHeaderConfig: { Values: ["a", "b", "c"] } }] }, "ValidationError", /'5' condition values/],
    [{ Priority: 30, Conditions: [{ Field: "source-ip", SourceIpConfig: { Values: ["10.0.0.0/33"] } }] }, "ValidationError", /not a valid CIDR/],
    [{ Priority: 30, Conditions: [{ Field: "path-pattern", Values: ["/a"] }, { Field: "path-pattern", Values: ["/b"] }] }, "ValidationError", /only have one 'path-pattern'/],
    [{ Priority: 30, Conditions: [{ Field: "http-header", HttpHeaderConfig: { Values: ["x"] } }] }, "ValidationError", /header name/],
  ];
  for (const [input, code, message] of bad) {
    const err = await failure(elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Actions: forward, ...input } as never)));
    assert.equal(err.name, code, JSON.stringify(input));
    assert.match(err.message, message);
  }
  const rules = async () => (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!.map((r) => [r.Priority, r.IsDefault]);
  assert.deepEqual(await rules(), [["10", false], ["20", false], ["default", true]]);

  // Swapping two priorities in one call works; a clash with a rule left alone changes nothing.
  await elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r10.RuleArn, Priority: 20 }, { RuleArn: r20.RuleArn, Priority: 10 }] }));
  assert.deepEqual((await elb.send(new DescribeRulesCommand({ RuleArns: [r10.RuleArn!] }))).Rules![0]!.Priority, "20");
  assert.equal((await failure(elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r10.RuleArn, Priority: 10 }] })))).name, "PriorityInUseException");
  assert.equal((await failure(elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r10.RuleArn, Priority: 5 }, { RuleArn: r20.RuleArn, Priority: 5 }] })))).name, "ValidationError");
  assert.deepEqual(await rules(), [["10", false], ["20", false], ["default", true]]);

  const page1 = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: 2 }));
  const page2 = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: 2, Marker: page1.NextMarker }));
  assert.deepEqual([...page1.Rules!, ...page2.Rules!].map((r) => r.Priority), ["10", "20", "default"]);

  const defaultRule = (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!.find((r) => r.IsDefault)!;
  assert.equal((await failure(elb.send(new DeleteRuleCommand({ RuleArn: defaultRule.RuleArn })))).name, "OperationNotPermittedException");
  const fixed = [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "503" } }];
  await elb.send(new ModifyRuleCommand({ RuleArn: defaultRule.RuleArn, Actions: fixed }));
  assert.equal((await elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners![0]!.DefaultActions![0]!.Type, "fixed-response");
  await elb.send(new DeleteRuleCommand({ RuleArn: r20.RuleArn }));
  assert.equal((await failure(elb.send(new DescribeRulesCommand({ RuleArns: [r20.RuleArn] })))).name, "RuleNotFoundException");
});
