import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, DescribeLoadBalancersCommand, DeleteLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand, ModifyLoadBalancerAttributesCommand, CreateTargetGroupCommand, DescribeTargetGroupsCommand,
  ModifyTargetGroupCommand, DeleteTargetGroupCommand, ModifyTargetGroupAttributesCommand, DescribeTargetGroupAttributesCommand,
  RegisterTargetsCommand, DeregisterTargetsCommand, DescribeTargetHealthCommand, AddTagsCommand, RemoveTagsCommand, DescribeTagsCommand,
  DescribeAccountLimitsCommand, SetIpAddressTypeCommand, SetSecurityGroupsCommand, SetSubnetsCommand, waitUntilLoadBalancerAvailable, waitUntilTargetDeregistered,
  type LoadBalancer,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { failure } from "./failure.js";

/**
 * ELBv2 load balancers, target groups, targets and tags through the API (the data plane is
 * elsewhere): the AWS CLI and SDK v3 against a real Berth, with AWS's shapes, defaults and errors,
 * and bad input that changes nothing.
 */
let berth: BerthProcess;
let elb: ElasticLoadBalancingV2Client;

before(async () => {
  berth = await BerthProcess.start();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});


const address = (lb: LoadBalancer) => lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress;
const lbCount = async () => (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.length;

test("create-load-balancer with the CLI: AWS's shape, a loopback address, provisioning then available", async () => {
  const out = await berth.aws("elbv2", "create-load-balancer", "--name", "web", "--type", "application", "--subnets", "subnet-a", "subnet-b");
  const lb = out.LoadBalancers[0];
  assert.match(lb.LoadBalancerArn, /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web\/[0-9a-f]{16}$/);
  assert.match(lb.DNSName, /^web-\d{10}\.us-east-1\.elb\.localhost$/);
  assert.equal(lb.CanonicalHostedZoneId, "Z35SXDOTRQ7X7K");
  assert.equal(lb.State.Code, "provisioning");
  assert.equal(lb.Scheme, "internet-facing");
  assert.equal(lb.Type, "application");
  assert.deepEqual(lb.AvailabilityZones.map((z: { SubnetId: string }) => z.SubnetId), ["subnet-a", "subnet-b"]);
  assert.deepEqual(lb.AvailabilityZones.map((z: { ZoneName: string }) => z.ZoneName), ["us-east-1a", "us-east-1b"]);
  const address = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress as string;
  // The harness gives this server the upper half of its 127.n/16 for load balancers.
  assert.match(address, /^127\.\d+\.128\.1$/);

  await waitUntilLoadBalancerAvailable({ client: elb, maxWaitTime: 30 }, { LoadBalancerArns: [lb.LoadBalancerArn] });
  const [described] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["web"] }))).LoadBalancers!;
  assert.equal(described!.State!.Code, "active");
  assert.equal(described!.DNSName, lb.DNSName);

  // The same name with the same settings is the same load balancer; with others, an error.
  const again = await elb.send(new CreateLoadBalancerCommand({ Name: "web", Subnets: ["subnet-b", "subnet-a"] }));
  assert.equal(again.LoadBalancers![0]!.LoadBalancerArn, lb.LoadBalancerArn);
  const dup = await failure(elb.send(new CreateLoadBalancerCommand({ Name: "web", Subnets: ["subnet-a", "subnet-c"] })));
  assert.equal(dup.name, "DuplicateLoadBalancerNameException");
  assert.equal(dup.message, "A load balancer with the same name 'web' exists, but with different settings");

  // A network load balancer: one subnet is enough, its own address, NLB's zone and DNS shape.
  const nlb = (await elb.send(new CreateLoadBalancerCommand({ Name: "tcp", Type: "network", Scheme: "internal", Subnets: ["subnet-a"] }))).LoadBalancers![0]!;
  assert.match(nlb.DNSName!, /^internal-tcp-[0-9a-f]{16}\.us-east-1\.elb\.localhost$/);
  assert.equal(nlb.CanonicalHostedZoneId, "Z26RNL4JYFTOTI");
  assert.notEqual(nlb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress, address);
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: nlb.LoadBalancerArn }));
});

test("bad load balancers get AWS's errors and change nothing", async () => {
  const before = await lbCount();
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ Name: "a".repeat(33), Subnets: ["subnet-a", "subnet-b"] }, "ValidationError", /cannot be longer than '32' characters/],
    [{ Name: "bad_name", Subnets: ["subnet-a", "subnet-b"] }, "ValidationError", /can only contain characters that are alphanumeric characters or hyphens/],
    [{ Name: "-x", Subnets: ["subnet-a", "subnet-b"] }, "ValidationError", /cannot begin or end with '-'/],
    [{ Name: "internal-x", Subnets: ["subnet-a", "subnet-b"] }, "ValidationError", /cannot begin with 'internal-'/],
    [{ Name: "one", Subnets: ["subnet-a"] }, "ValidationError", /At least two subnets in two different Availability Zones/],
    [{ Name: "one", Subnets: ["nope", "subnet-b"] }, "SubnetNotFoundException", /The subnet ID 'nope' is not valid/],
    [{ Name: "one", Subnets: ["subnet-a", "subnet-b"], Tags: [{ Key: "k", Value: "1" }, { Key: "k", Value: "2" }] }, "DuplicateTagKeysException", /'k'/],
  ];
  for (const [input, code, message] of cases) {
    const err = await failure(elb.send(new CreateLoadBalancerCommand(input as never)));
    assert.equal(err.name, code, JSON.stringify(input));
    assert.match(err.message, message);
  }
  assert.equal(await lbCount(), before);
  const missing = await failure(elb.send(new DescribeLoadBalancersCommand({ Names: ["nope", "web"] })));
  assert.equal(missing.name, "LoadBalancerNotFoundException");
  assert.equal(missing.message, "Load balancers '[nope]' not found");
});

test("security groups, subnets and IP address type change after creation (as Terraform does); bad input changes nothing", async () => {
  const [lb] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["web"] }))).LoadBalancers!;
  const arn = lb!.LoadBalancerArn!;
  const sgs = await berth.aws("elbv2", "set-security-groups", "--load-balancer-arn", arn, "--security-groups", "sg-1", "sg-2");
  assert.deepEqual(sgs, { SecurityGroupIds: ["sg-1", "sg-2"] });
  const subnets = await berth.aws("elbv2", "set-subnets", "--load-balancer-arn", arn, "--subnets", "subnet-a", "subnet-c");
  assert.deepEqual(subnets.AvailabilityZones.map((z: { SubnetId: string }) => z.SubnetId), ["subnet-a", "subnet-c"]);
  assert.equal(subnets.IpAddressType, "ipv4");
  assert.deepEqual(await berth.aws("elbv2", "set-ip-address-type", "--load-balancer-arn", arn, "--ip-address-type", "dualstack"), { IpAddressType: "dualstack" });
  const described = async () => (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers![0]!;
  const after = await described();
  assert.deepEqual(after.SecurityGroups, ["sg-1", "sg-2"]);
  assert.deepEqual(after.AvailabilityZones!.map((z) => [z.SubnetId, z.LoadBalancerAddresses![0]!.IpAddress]), [["subnet-a", address(lb!)], ["subnet-c", address(lb!)]]);
  assert.equal(after.IpAddressType, "dualstack");

  // Made one at a time: a refusal not yet awaited would be an unhandled rejection.
  const bad: Array<[() => Promise<unknown>, string]> = [
    [() => elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: ["nope"] })), "InvalidSecurityGroupException"],
    [() => elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: [] })), "ValidationError"],
    [() => elb.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: ["subnet-a"] })), "ValidationError"],
    [() => elb.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: ["subnet-a", "bogus"] })), "SubnetNotFoundException"],
    [() => elb.send(new SetIpAddressTypeCommand({ LoadBalancerArn: arn.replace(/[0-9a-f]{16}$/, "0000000000000000"), IpAddressType: "ipv4" })), "LoadBalancerNotFoundException"],
  ];
  for (const [call, code] of bad) assert.equal((await failure(call())).name, code);
  assert.deepEqual(await described(), after);

  // An NLB created without security groups cannot get any, as on AWS.
  const nlb = (await elb.send(new CreateLoadBalancerCommand({ Name: "sg-nlb", Type: "network", Subnets: ["subnet-a"] }))).LoadBalancers![0]!;
  assert.equal((await failure(elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: nlb.LoadBalancerArn, SecurityGroups: ["sg-1"] })))).name, "InvalidConfigurationRequestException");
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: nlb.LoadBalancerArn }));

  // Back as it was for the tests below (the same settings make CreateLoadBalancer idempotent).
  await elb.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: ["subnet-a", "subnet-b"], IpAddressType: "ipv4" }));
  await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: ["sg-1"] }));
});

test("DescribeLoadBalancers pages with Marker and PageSize", async () => {
  for (const n of ["p1", "p2"]) await elb.send(new CreateLoadBalancerCommand({ Name: n, Subnets: ["subnet-a", "subnet-b"] }));
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const res = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 1, Marker: marker }));
    assert.equal(res.LoadBalancers!.length, 1);
    names.push(res.LoadBalancers![0]!.LoadBalancerName!);
    marker = res.NextMarker;
  } while (marker);
  assert.deepEqual(names, ["web", "p1", "p2"]);
  // The CLI pages by hand when --page-size is given (its PageSize parameter turns its own paging off).
  const first = await berth.aws("elbv2", "describe-load-balancers", "--page-size", "2");
  const second = await berth.aws("elbv2", "describe-load-balancers", "--page-size", "2", "--marker", first.NextMarker);
  assert.deepEqual([...first.LoadBalancers, ...second.LoadBalancers].map((l: { LoadBalancerName: string }) => l.LoadBalancerName), ["web", "p1", "p2"]);
  assert.equal(second.NextMarker, undefined);
  assert.equal((await failure(elb.send(new DescribeLoadBalancersCommand({ Marker: "bogus" })))).name, "ValidationError");
  for (const n of ["p1", "p2"]) {
    const [lb] = (await elb.send(new DescribeLoadBalancersCommand({ Names: [n] }))).LoadBalancers!;
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb!.LoadBalancerArn }));
  }
});

test("load balancer attributes: AWS's defaults, checked changes, deletion protection", async () => {
  const [lb] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["web"] }))).LoadBalancers!;
  const arn = lb!.LoadBalancerArn!;
  const attrs = async () => Object.fromEntries((await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))).Attributes!.map((a) => [a.Key, a.Value]));
  const initial = await attrs();
  assert.equal(initial["idle_timeout.timeout_seconds"], "60");
  assert.equal(initial["deletion_protection.enabled"], "false");
  assert.equal(initial["routing.http2.enabled"], "true");

  const bad = await failure(elb.send(new ModifyLoadBalancerAttributesCommand({
    LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "30" }, { Key: "idle_timeout.timeout_seconds", Value: "5000" }],
  })));
  assert.equal(bad.name, "ValidationError");
  const unknown = await failure(elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "no.such", Value: "1" }] })));
  assert.equal(unknown.message, "Load balancer attribute key 'no.such' is not recognized");
  assert.deepEqual(await attrs(), initial);

  await berth.aws("elbv2", "modify-load-balancer-attributes", "--load-balancer-arn", arn, "--attributes", "Key=deletion_protection.enabled,Value=true", "Key=idle_timeout.timeout_seconds,Value=120");
  assert.equal((await attrs())["idle_timeout.timeout_seconds"], "120");
  const protectedErr = await failure(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })));
  assert.equal(protectedErr.name, "OperationNotPermittedException");
  await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] }));
});

test("target groups: the issue's CLI call, AWS's health check defaults, validation, attributes", async () => {
  const out = await berth.aws("elbv2", "create-target-group", "--name", "web", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-path", "/health", "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2");
  const tg = out.TargetGroups[0];
  assert.match(tg.TargetGroupArn, /^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup\/web\/[0-9a-f]{16}$/);
  // AWS's default timeout (5 s for HTTP) is not smaller than this interval: it is capped below it.
  assert.equal(tg.HealthCheckTimeoutSeconds, 4);
  assert.equal(tg.HealthCheckIntervalSeconds, 5);
  assert.equal(tg.HealthCheckPath, "/health");
  assert.deepEqual(tg.Matcher, { HttpCode: "200" });
  assert.equal(tg.ProtocolVersion, "HTTP1");
  assert.deepEqual(tg.LoadBalancerArns, []);

  const tcp = (await elb.send(new CreateTargetGroupCommand({ Name: "tcp", Protocol: "TCP", Port: 7, VpcId: "vpc-1" }))).TargetGroups![0]!;
  assert.equal(tcp.TargetType, "instance");
  assert.equal(tcp.HealthCheckProtocol, "TCP");
  assert.equal(tcp.HealthCheckTimeoutSeconds, 10);
  assert.equal(tcp.HealthCheckPath, undefined);
  assert.equal(tcp.Matcher, undefined);
  const tcpAttrs = Object.fromEntries((await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tcp.TargetGroupArn }))).Attributes!.map((a) => [a.Key, a.Value]));
  assert.equal(tcpAttrs["preserve_client_ip.enabled"], "true");
  assert.equal(tcpAttrs["stickiness.type"], "source_ip");
  await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tcp.TargetGroupArn }));
  assert.equal((await failure(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tcp.TargetGroupArn!] })))).name, "TargetGroupNotFoundException");
});

test("bad target groups get AWS's errors and change nothing", async () => {
  const count = async () => (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups!.length;
  const before = await count();
  const base = { Name: "bad", Protocol: "HTTP" as const, Port: 80, VpcId: "vpc-1" };
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ ...base, HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 10 }, "ValidationError", /^Health check interval must be greater than the timeout\.$/],
    [{ ...base, HealthCheckIntervalSeconds: 4 }, "ValidationError", /./],
    [{ ...base, HealthCheckProtocol: "TCP" }, "ValidationError", /Health check protocol 'TCP' is not supported/],
    [{ ...base, Matcher: { HttpCode: "700" } }, "ValidationError", /matcher/],
    [{ ...base, Port: undefined }, "ValidationError", /^A port must be specified$/],
    [{ ...base, VpcId: undefined }, "ValidationError", /^A VPC ID must be specified$/],
    [{ ...base, Protocol: "TCP", HealthCheckPath: "/x" }, "ValidationError", /health check path cannot be specified/],
    [{ ...base, HealthCheckEnabled: false }, "ValidationError", /^Health checks cannot be disabled for target groups with target type 'instance'$/],
    [{ ...base, Name: "web", Port: 81 }, "DuplicateTargetGroupNameException", /^A target group with the same name 'web' exists, but with different settings$/],
  ];
  for (const [input, code, message] of cases) {
    const err = await failure(elb.send(new CreateTargetGroupCommand(input as never)));
    assert.equal(err.name, code, JSON.stringify(input));
    assert.match(err.message, message);
  }
  assert.equal(await count(), before);

  const [tg] = (await elb.send(new DescribeTargetGroupsCommand({ Names: ["web"] }))).TargetGroups!;
  const badModify = await failure(elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg!.TargetGroupArn, HealthCheckTimeoutSeconds: 6 })));
  assert.equal(badModify.name, "ValidationError");
  const disabled = await failure(elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg!.TargetGroupArn, HealthCheckEnabled: false })));
  assert.equal(disabled.message, "Health checks cannot be disabled for target groups with target type 'ip'");
  const modified = (await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg!.TargetGroupArn, HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 6, Matcher: { HttpCode: "200-299" } }))).TargetGroups![0]!;
  assert.equal(modified.HealthCheckTimeoutSeconds, 6);
  assert.deepEqual(modified.Matcher, { HttpCode: "200-299" });
  assert.equal(modified.HealthCheckPath, "/health");

  const attrs = async () => Object.fromEntries((await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg!.TargetGroupArn }))).Attributes!.map((a) => [a.Key, a.Value]));
  const initial = await attrs();
  assert.equal(initial["deregistration_delay.timeout_seconds"], "300");
  assert.equal(initial["load_balancing.algorithm.type"], "round_robin");
  for (const [Key, Value] of [["slow_start.duration_seconds", "10"], ["load_balancing.algorithm.type", "random"], ["stickiness.type", "source_ip"]]) {
    assert.equal((await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg!.TargetGroupArn, Attributes: [{ Key, Value }] })))).name, "ValidationError");
  }
  assert.deepEqual(await attrs(), initial);
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg!.TargetGroupArn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }, { Key: "load_balancing.algorithm.type", Value: "least_outstanding_requests" }] }));
  assert.equal((await attrs())["load_balancing.algorithm.type"], "least_outstanding_requests");
});

test("targets: register, health as the store knows it, deregister; bad targets register none", async () => {
  const [tg] = (await elb.send(new DescribeTargetGroupsCommand({ Names: ["web"] }))).TargetGroups!;
  const arn = tg!.TargetGroupArn!;
  const health = async (targets?: Array<{ Id: string; Port?: number }>) => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: targets }))).TargetHealthDescriptions!;

  const outside = await failure(elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "127.0.0.5" }, { Id: "10.0.0.5" }] })));
  assert.equal(outside.name, "InvalidTargetException");
  assert.match(outside.message, /'10\.0\.0\.5'/);
  assert.equal((await failure(elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "i-0123456789abcdef0" }] })))).name, "ValidationError");
  assert.deepEqual(await health(), []);

  await berth.aws("elbv2", "register-targets", "--target-group-arn", arn, "--targets", "Id=127.0.0.5", "Id=127.0.0.6,Port=8080");
  const described = await health();
  assert.deepEqual(described.map((d) => [d.Target!.Id, d.Target!.Port, d.HealthCheckPort]), [["127.0.0.5", 80, "80"], ["127.0.0.6", 8080, "8080"]]);
  // No load balancer forwards to the group yet: AWS calls its targets unused.
  assert.deepEqual(described[0]!.TargetHealth, { State: "unused", Reason: "Target.NotInUse", Description: "Target group is not configured to receive traffic from the load balancer" });
  const [unknown] = await health([{ Id: "127.0.0.9" }]);
  assert.deepEqual(unknown!.TargetHealth, { State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group" });

  const notThere = await failure(elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "127.0.0.5" }, { Id: "127.0.0.9" }] })));
  assert.equal(notThere.name, "InvalidTargetException");
  assert.equal((await health()).length, 2);
  await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "127.0.0.6", Port: 8080 }] }));
  await waitUntilTargetDeregistered({ client: elb, maxWaitTime: 30 }, { TargetGroupArn: arn, Targets: [{ Id: "127.0.0.6", Port: 8080 }] });
  assert.deepEqual((await health()).map((d) => d.Target!.Id), ["127.0.0.5"]);
});

test("tags on load balancers and target groups; account limits", async () => {
  const [lb] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["web"] }))).LoadBalancers!;
  const [tg] = (await elb.send(new DescribeTargetGroupsCommand({ Names: ["web"] }))).TargetGroups!;
  const arns = [lb!.LoadBalancerArn!, tg!.TargetGroupArn!];
  await elb.send(new AddTagsCommand({ ResourceArns: arns, Tags: [{ Key: "team", Value: "web" }, { Key: "env", Value: "dev" }] }));
  await berth.aws("elbv2", "remove-tags", "--resource-arns", arns[1]!, "--tag-keys", "env");
  const described = (await elb.send(new DescribeTagsCommand({ ResourceArns: arns }))).TagDescriptions!;
  assert.deepEqual(described.map((d) => [d.ResourceArn, d.Tags]), [
    [arns[0], [{ Key: "team", Value: "web" }, { Key: "env", Value: "dev" }]],
    [arns[1], [{ Key: "team", Value: "web" }]],
  ]);
  const gone = arns[0]!.replace(/[0-9a-f]{16}$/, "0000000000000000");
  const err = await failure(elb.send(new AddTagsCommand({ ResourceArns: [arns[1]!, gone], Tags: [{ Key: "x", Value: "y" }] })));
  assert.equal(err.name, "LoadBalancerNotFoundException");
  assert.deepEqual((await elb.send(new DescribeTagsCommand({ ResourceArns: [arns[1]!] }))).TagDescriptions![0]!.Tags, [{ Key: "team", Value: "web" }]);
  await elb.send(new RemoveTagsCommand({ ResourceArns: [arns[0]!], TagKeys: ["team", "env"] }));

  const limits = (await elb.send(new DescribeAccountLimitsCommand({}))).Limits!;
  assert.equal(limits.find((l) => l.Name === "application-load-balancers")?.Max, "50");
});

test("deleting: a load balancer that does not exist succeeds; one that does is gone", async () => {
  const [lb] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["web"] }))).LoadBalancers!;
  await berth.aws("elbv2", "delete-load-balancer", "--load-balancer-arn", lb!.LoadBalancerArn!);
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb!.LoadBalancerArn }));
  assert.equal((await failure(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb!.LoadBalancerArn!] })))).message, "One or more load balancers not found");
});
