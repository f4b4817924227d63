import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, CreateListenerCommand, CreateTargetGroupCommand, ModifyListenerCommand,
  DescribeListenerAttributesCommand, ModifyListenerAttributesCommand, DescribeCapacityReservationCommand, ModifyCapacityReservationCommand,
  DescribeTargetGroupAttributesCommand, ModifyTargetGroupAttributesCommand, DescribeLoadBalancerAttributesCommand, ModifyLoadBalancerAttributesCommand,
  type ListenerAttribute,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { refusal } from "./failure.js";
import { boto3Json } from "./boto3.js";

/**
 * Listener attributes (Describe/ModifyListenerAttributes) and capacity reservations
 * (Describe/ModifyCapacityReservation), which Terraform's aws_lb_listener and aws_lb read on every
 * refresh: AWS's defaults per protocol, round trips with SDK v3 and boto3 (Debian's AWS CLI 2.9
 * predates these operations; it creates the load balancers and listeners here), AWS's errors with
 * nothing changed, and everything still there after a restart.
 */
const dataDir = mkdtempSync(join(tmpdir(), "berth-listener-attributes-"));
let berth: BerthProcess;
let elb: ElasticLoadBalancingV2Client;
const connect = (b: BerthProcess) => new ElasticLoadBalancingV2Client({ endpoint: b.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

const certs = mkdtempSync(join(tmpdir(), "berth-listener-attributes-certs-"));
const certificate = "arn:aws:acm:us-east-1:000000000000:certificate/site";
const start = () => BerthProcess.start({ dataDir, args: ["--load-balancer-certificates-dir", certs] });

before(async () => {
  // A self-signed certificate for the HTTPS and TLS listeners (Berth's stand-in for ACM: NAME.pem).
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-keyout", join(certs, "key.pem"), "-out", join(certs, "cert.pem"), "-subj", "/CN=site.example"], { stdio: "ignore" });
  writeFileSync(join(certs, "site.pem"), readFileSync(join(certs, "cert.pem"), "utf8") + readFileSync(join(certs, "key.pem"), "utf8"));
  berth = await start();
  elb = connect(berth);
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(certs, { recursive: true, force: true });
});

const SERVER = "routing.http.response.server.enabled";
const HSTS = "routing.http.response.strict_transport_security.header_value";
const CORS_ORIGIN = "routing.http.response.access_control_allow_origin.header_value";
const TCP_IDLE = "tcp.idle_timeout.seconds";
const fixed = [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "200", ContentType: "text/plain", MessageBody: "ok" } }];

const attributesOf = async (ListenerArn: string) =>
  Object.fromEntries(((await elb.send(new DescribeListenerAttributesCommand({ ListenerArn }))).Attributes ?? []).map((a: ListenerAttribute) => [a.Key, a.Value]));
const modify = (ListenerArn: string, Attributes: ListenerAttribute[]) => elb.send(new ModifyListenerAttributesCommand({ ListenerArn, Attributes }));

let httpListener = "";
let tcpListener = "";
let udpListener = "";
let alb = "";
let nlb = "";

test("defaults per protocol: ALB listeners show the Server header switch, NLB TCP listeners the idle timeout, UDP none", async () => {
  alb = (await berth.aws("elbv2", "create-load-balancer", "--name", "attrs-alb", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0].LoadBalancerArn;
  httpListener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", alb, "--protocol", "HTTP", "--port", "8081",
    "--default-actions", "Type=fixed-response,FixedResponseConfig={StatusCode=200,ContentType=text/plain,MessageBody=ok}")).Listeners[0].ListenerArn;
  nlb = (await elb.send(new CreateLoadBalancerCommand({ Name: "attrs-nlb", Type: "network", Subnets: ["subnet-a"] }))).LoadBalancers![0]!.LoadBalancerArn!;
  const tcpGroup = (await elb.send(new CreateTargetGroupCommand({ Name: "attrs-tcp", Protocol: "TCP", Port: 9000, VpcId: "vpc-1", TargetType: "ip" }))).TargetGroups![0]!.TargetGroupArn!;
  const udpGroup = (await elb.send(new CreateTargetGroupCommand({ Name: "attrs-udp", Protocol: "UDP", Port: 9000, VpcId: "vpc-1", TargetType: "ip", HealthCheckProtocol: "TCP" }))).TargetGroups![0]!.TargetGroupArn!;
  tcpListener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: nlb, Protocol: "TCP", Port: 9081, DefaultActions: [{ Type: "forward", TargetGroupArn: tcpGroup }] }))).Listeners![0]!.ListenerArn!;
  udpListener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: nlb, Protocol: "UDP", Port: 9082, DefaultActions: [{ Type: "forward", TargetGroupArn: udpGroup }] }))).Listeners![0]!.ListenerArn!;

  assert.deepEqual(await attributesOf(httpListener), { [SERVER]: "true" });
  assert.deepEqual(await attributesOf(tcpListener), { [TCP_IDLE]: "350" });
  assert.deepEqual(await attributesOf(udpListener), {});
});

test("modify then describe: SDK v3 and boto3 agree; header values appear once set and go when emptied", async () => {
  const out = await modify(httpListener, [{ Key: SERVER, Value: "false" }, { Key: HSTS, Value: "max-age=31536000; includeSubDomains" }, { Key: CORS_ORIGIN, Value: "https://example.com" }]);
  const expected = { [SERVER]: "false", [HSTS]: "max-age=31536000; includeSubDomains", [CORS_ORIGIN]: "https://example.com" };
  assert.deepEqual(Object.fromEntries(out.Attributes!.map((a) => [a.Key, a.Value])), expected);
  assert.deepEqual(await attributesOf(httpListener), expected);

  // boto3 (botocore 1.43) reads and writes the same attributes.
  const viaBoto3 = await boto3Json<{ before: Record<string, string>; after: Record<string, string> }>(`
import json, sys, boto3
elb = boto3.client("elbv2", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
as_map = lambda attrs: {a["Key"]: a["Value"] for a in attrs}
before = as_map(elb.describe_listener_attributes(ListenerArn=sys.argv[2])["Attributes"])
elb.modify_listener_attributes(ListenerArn=sys.argv[2], Attributes=[{"Key": sys.argv[3], "Value": ""}])
after = as_map(elb.describe_listener_attributes(ListenerArn=sys.argv[2])["Attributes"])
print(json.dumps({"before": before, "after": after}))
`, berth.endpoint, httpListener, CORS_ORIGIN);
  assert.deepEqual(viaBoto3.before, expected);
  assert.deepEqual(viaBoto3.after, { [SERVER]: "false", [HSTS]: "max-age=31536000; includeSubDomains" });

  await modify(tcpListener, [{ Key: TCP_IDLE, Value: "6000" }]);
  assert.deepEqual(await attributesOf(tcpListener), { [TCP_IDLE]: "6000" });
});

test("bad listener attributes get AWS's errors and change nothing", async () => {
  const before = { http: await attributesOf(httpListener), tcp: await attributesOf(tcpListener) };
  const cases: Array<[string, ListenerAttribute[], { name: string; message: string }]> = [
    [httpListener, [{ Key: "routing.http.nope", Value: "1" }], { name: "ValidationError", message: "Listener attribute key 'routing.http.nope' is not recognized" }],
    [httpListener, [{ Key: SERVER, Value: "true" }, { Key: TCP_IDLE, Value: "100" }],
      { name: "InvalidConfigurationRequestException", message: "Listener attribute key 'tcp.idle_timeout.seconds' is not supported on listeners with protocol 'HTTP'" }],
    [tcpListener, [{ Key: SERVER, Value: "false" }],
      { name: "InvalidConfigurationRequestException", message: "Listener attribute key 'routing.http.response.server.enabled' is not supported on listeners with protocol 'TCP'" }],
    // The mTLS/TLS header names are HTTPS listeners' only.
    [httpListener, [{ Key: "routing.http.request.x_amzn_tls_version.header_name", Value: "X-Tls" }],
      { name: "InvalidConfigurationRequestException", message: "Listener attribute key 'routing.http.request.x_amzn_tls_version.header_name' is not supported on listeners with protocol 'HTTP'" }],
    [tcpListener, [{ Key: TCP_IDLE, Value: "59" }], { name: "ValidationError", message: "Listener attribute value '59' for key 'tcp.idle_timeout.seconds' is not valid: it must be an integer from 60 to 6000" }],
    [httpListener, [{ Key: CORS_ORIGIN, Value: "*" }, { Key: SERVER, Value: "yes" }],
      { name: "ValidationError", message: "Listener attribute value 'yes' for key 'routing.http.response.server.enabled' is not valid: it must be true or false" }],
    [httpListener, [{ Key: SERVER, Value: "" }], { name: "ValidationError", message: "Listener attribute value '' for key 'routing.http.response.server.enabled' is not valid: it must not be empty" }],
    [httpListener, [{ Key: HSTS, Value: "includeSubDomains" }],
      { name: "ValidationError", message: "Listener attribute value 'includeSubDomains' for key 'routing.http.response.strict_transport_security.header_value' is not valid: it must have a max-age=<seconds> directive" }],
    [httpListener, [{ Key: "routing.http.response.x_frame_options.header_value", Value: "ALLOW" }],
      { name: "ValidationError", message: "Listener attribute value 'ALLOW' for key 'routing.http.response.x_frame_options.header_value' is not valid: it must be DENY, SAMEORIGIN or ALLOW-FROM <origin>" }],
    [httpListener, [{ Key: "routing.http.response.x_content_type_options.header_value", Value: "sniff" }],
      { name: "ValidationError", message: "Listener attribute value 'sniff' for key 'routing.http.response.x_content_type_options.header_value' is not valid: it must be nosniff" }],
    [httpListener, [{ Key: CORS_ORIGIN, Value: "a\u0001b" }],
      { name: "ValidationError", message: "Listener attribute value 'a\u0001b' for key 'routing.http.response.access_control_allow_origin.header_value' is not valid: it must be a valid HTTP header value of at most 4096 characters" }],
    [httpListener.replace(/[0-9a-f]{16}$/, "0000000000000000"), [{ Key: SERVER, Value: "true" }], { name: "ListenerNotFoundException", message: "One or more listeners not found" }],
  ];
  for (const [ListenerArn, Attributes, expected] of cases) {
    assert.deepEqual(await refusal(modify(ListenerArn, Attributes)), expected, JSON.stringify(Attributes));
  }
  // A key outside the model's pattern is refused before it reaches the handler.
  assert.equal((await refusal(modify(httpListener, [{ Key: "bad key!", Value: "1" }]))).name, "ValidationError");
  assert.equal((await refusal(elb.send(new DescribeListenerAttributesCommand({ ListenerArn: `${httpListener}0` })))).name, "ListenerNotFoundException");
  assert.deepEqual({ http: await attributesOf(httpListener), tcp: await attributesOf(tcpListener) }, before);
});

test("HTTPS listeners add the mTLS/TLS header names; TLS listeners have none; a protocol change drops what no longer applies", async () => {
  const https = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: alb, Protocol: "HTTPS", Port: 8443, Certificates: [{ CertificateArn: certificate }], DefaultActions: fixed }))).Listeners![0]!.ListenerArn!;
  assert.deepEqual(await attributesOf(https), { [SERVER]: "true" });
  const TLS_VERSION = "routing.http.request.x_amzn_tls_version.header_name";
  await modify(https, [{ Key: TLS_VERSION, Value: "X-Tls-Version" }, { Key: HSTS, Value: "max-age=60" }]);
  assert.deepEqual(await attributesOf(https), { [SERVER]: "true", [TLS_VERSION]: "X-Tls-Version", [HSTS]: "max-age=60" });
  assert.equal((await refusal(modify(https, [{ Key: TLS_VERSION, Value: "X Tls" }]))).message,
    "Listener attribute value 'X Tls' for key 'routing.http.request.x_amzn_tls_version.header_name' is not valid: it must be a valid HTTP header name of at most 128 characters");

  // HTTPS -> HTTP: the TLS header name no longer applies; the response header still does.
  await elb.send(new ModifyListenerCommand({ ListenerArn: https, Protocol: "HTTP" }));
  assert.deepEqual(await attributesOf(https), { [SERVER]: "true", [HSTS]: "max-age=60" });

  const tcpGroup = (await berth.aws("elbv2", "describe-target-groups", "--names", "attrs-tcp")).TargetGroups[0].TargetGroupArn;
  const tls = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: nlb, Protocol: "TLS", Port: 9443, Certificates: [{ CertificateArn: certificate }],
    DefaultActions: [{ Type: "forward", TargetGroupArn: tcpGroup }] }))).Listeners![0]!.ListenerArn!;
  assert.deepEqual(await attributesOf(tls), {});
  assert.equal((await refusal(modify(tls, [{ Key: TCP_IDLE, Value: "100" }]))).name, "InvalidConfigurationRequestException");
  // NLB capacity reservations are not for load balancers with TLS listeners (NLB guide).
  assert.deepEqual(await refusal(elb.send(new ModifyCapacityReservationCommand({ LoadBalancerArn: nlb, MinimumLoadBalancerCapacity: { CapacityUnits: 3000 } }))),
    { name: "InvalidConfigurationRequestException", message: "Capacity reservation is not supported on Network Load Balancers with TLS listeners" });
});

test("capacity reservation: none at first, as Terraform's aws_lb expects; set, decreased twice a day at most, reset", async () => {
  const describe = async (LoadBalancerArn: string) => {
    const { $metadata: _m, ...out } = await elb.send(new DescribeCapacityReservationCommand({ LoadBalancerArn }));
    return out;
  };
  assert.deepEqual(await describe(alb), { CapacityReservationState: [], DecreaseRequestsRemaining: 2 });

  const set = await elb.send(new ModifyCapacityReservationCommand({ LoadBalancerArn: alb, MinimumLoadBalancerCapacity: { CapacityUnits: 300 } }));
  assert.deepEqual(set.MinimumLoadBalancerCapacity, { CapacityUnits: 300 });
  assert.deepEqual(set.CapacityReservationState, [
    { AvailabilityZone: "us-east-1a", EffectiveCapacityUnits: 150, State: { Code: "provisioned" } },
    { AvailabilityZone: "us-east-1b", EffectiveCapacityUnits: 150, State: { Code: "provisioned" } },
  ]);
  assert.ok(set.LastModifiedTime instanceof Date);
  const described = await describe(alb);
  assert.deepEqual(described.MinimumLoadBalancerCapacity, { CapacityUnits: 300 });
  assert.equal(described.DecreaseRequestsRemaining, 2);

  // Increases are free; decreases count, two a day.
  await elb.send(new ModifyCapacityReservationCommand({ LoadBalancerArn: alb, MinimumLoadBalancerCapacity: { CapacityUnits: 400 } }));
  await elb.send(new ModifyCapacityReservationCommand({ LoadBalancerArn: alb, MinimumLoadBalancerCapacity: { CapacityUnits: 200 } }));
  assert.equal((await describe(alb)).DecreaseRequestsRemaining, 1);
  // boto3 resets it the way Terraform does (an empty MinimumLoadBalancerCapacity beside ResetCapacityReservation).
  const reset = await boto3Json<Record<string, unknown>>(`
import json, sys, boto3
elb = boto3.client("elbv2", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
elb.modify_capacity_reservation(LoadBalancerArn=sys.argv[2], MinimumLoadBalancerCapacity={}, ResetCapacityReservation=True)
out = elb.describe_capacity_reservation(LoadBalancerArn=sys.argv[2])
out.pop("ResponseMetadata")
out.pop("LastModifiedTime")
print(json.dumps(out))
`, berth.endpoint, alb);
  assert.deepEqual(reset, { CapacityReservationState: [], DecreaseRequestsRemaining: 0 });

  await elb.send(new ModifyCapacityReservationCommand({ LoadBalancerArn: alb, MinimumLoadBalancerCapacity: { CapacityUnits: 100 } }));
  const before = await describe(alb);
  const cases: Array<[Record<string, unknown>, { name: string; message: string }]> = [
    [{ LoadBalancerArn: alb, MinimumLoadBalancerCapacity: { CapacityUnits: 50 } },
      { name: "CapacityDecreaseRequestsLimitExceededException", message: "You've exceeded the daily capacity decrease limit for this reservation." }],
    [{ LoadBalancerArn: alb, ResetCapacityReservation: true },
      { name: "CapacityDecreaseRequestsLimitExceededException", message: "You've exceeded the daily capacity decrease limit for this reservation." }],
    [{ LoadBalancerArn: alb }, { name: "ValidationError", message: "You must specify either MinimumLoadBalancerCapacity or ResetCapacityReservation" }],
    [{ LoadBalancerArn: alb, ResetCapacityReservation: false }, { name: "ValidationError", message: "You must specify either MinimumLoadBalancerCapacity or ResetCapacityReservation" }],
    [{ LoadBalancerArn: alb, MinimumLoadBalancerCapacity: { CapacityUnits: 500 }, ResetCapacityReservation: true },
      { name: "ValidationError", message: "You cannot specify both MinimumLoadBalancerCapacity and ResetCapacityReservation" }],
    [{ LoadBalancerArn: alb, MinimumLoadBalancerCapacity: { CapacityUnits: 0 } }, { name: "ValidationError", message: "Capacity units '0' must be greater than 0" }],
    [{ LoadBalancerArn: alb.replace(/[0-9a-f]{16}$/, "0000000000000000"), MinimumLoadBalancerCapacity: { CapacityUnits: 500 } },
      { name: "LoadBalancerNotFoundException", message: "One or more load balancers not found" }],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(await refusal(elb.send(new ModifyCapacityReservationCommand(input as never))), expected, JSON.stringify(input));
  }
  assert.deepEqual(await describe(alb), before);
  assert.deepEqual(await describe(nlb), { CapacityReservationState: [], DecreaseRequestsRemaining: 2 });
});

test("target group health attributes that Terraform's aws_lb_target_group reads: AWS's defaults, set, checked", async () => {
  const tgAttributes = async (TargetGroupArn: string) =>
    Object.fromEntries(((await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn }))).Attributes ?? []).map((a) => [a.Key, a.Value]));
  const group = async (name: string) => (await berth.aws("elbv2", "describe-target-groups", "--names", name)).TargetGroups[0].TargetGroupArn as string;
  // Terraform sends an empty ProtocolVersion when its config has none: AWS's default, HTTP1.
  const created = (await elb.send(new CreateTargetGroupCommand({ Name: "attrs-http", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip", ProtocolVersion: "" }))).TargetGroups![0]!;
  assert.equal(created.ProtocolVersion, "HTTP1");
  const http = created.TargetGroupArn!;
  const tcp = await group("attrs-tcp");
  const udp = await group("attrs-udp");
  const health = {
    "target_group_health.dns_failover.minimum_healthy_targets.count": "1",
    "target_group_health.dns_failover.minimum_healthy_targets.percentage": "off",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "1",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
  };
  const httpAttrs = await tgAttributes(http);
  assert.deepEqual(Object.fromEntries(Object.keys(health).map((k) => [k, httpAttrs[k]])), health);
  assert.equal(httpAttrs["target_health_state.unhealthy.connection_termination.enabled"], undefined);
  const tcpAttrs = await tgAttributes(tcp);
  assert.equal(tcpAttrs["target_health_state.unhealthy.connection_termination.enabled"], "true");
  assert.equal(tcpAttrs["target_health_state.unhealthy.draining_interval_seconds"], "0");
  assert.equal(tcpAttrs["target_group_health.dns_failover.minimum_healthy_targets.percentage"], "off");
  assert.equal((await tgAttributes(udp))["target_health_state.unhealthy.connection_termination.enabled"], "false");

  // Set with the CLI, as Terraform's target_group_health and target_health_state blocks do.
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", http, "--attributes",
    "Key=target_group_health.dns_failover.minimum_healthy_targets.percentage,Value=50", "Key=target_group_health.unhealthy_state_routing.minimum_healthy_targets.count,Value=2");
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tcp, Attributes: [
    { Key: "target_health_state.unhealthy.connection_termination.enabled", Value: "false" }, { Key: "target_health_state.unhealthy.draining_interval_seconds", Value: "600" }] }));
  assert.equal((await tgAttributes(http))["target_group_health.dns_failover.minimum_healthy_targets.percentage"], "50");
  assert.equal((await tgAttributes(http))["target_group_health.unhealthy_state_routing.minimum_healthy_targets.count"], "2");
  assert.equal((await tgAttributes(tcp))["target_health_state.unhealthy.draining_interval_seconds"], "600");

  const before = { http: await tgAttributes(http), tcp: await tgAttributes(tcp), udp: await tgAttributes(udp) };
  const cases: Array<[string, Array<{ Key: string; Value: string }>, { name: string; message: string }]> = [
    [http, [{ Key: "target_group_health.dns_failover.minimum_healthy_targets.percentage", Value: "101" }],
      { name: "ValidationError", message: "Target group attribute value '101' for key 'target_group_health.dns_failover.minimum_healthy_targets.percentage' is not valid: it must be off or an integer from 1 to 100" }],
    [http, [{ Key: "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", Value: "off" }],
      { name: "ValidationError", message: "Target group attribute value 'off' for key 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count' is not valid: it must be an integer from 1 to 999999999" }],
    [http, [{ Key: "target_health_state.unhealthy.draining_interval_seconds", Value: "5" }],
      { name: "ValidationError", message: "Target group attribute key 'target_health_state.unhealthy.draining_interval_seconds' is not recognized" }],
    [tcp, [{ Key: "target_health_state.unhealthy.connection_termination.enabled", Value: "true" }],
      { name: "ValidationError", message: "The attribute 'target_health_state.unhealthy.draining_interval_seconds' can only be configured when 'target_health_state.unhealthy.connection_termination.enabled' is false" }],
    [udp, [{ Key: "target_health_state.unhealthy.connection_termination.enabled", Value: "true" }],
      { name: "ValidationError", message: "The attribute 'target_health_state.unhealthy.connection_termination.enabled' cannot be enabled for UDP target groups" }],
  ];
  for (const [TargetGroupArn, Attributes, expected] of cases) {
    assert.deepEqual(await refusal(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn, Attributes }))), expected, JSON.stringify(Attributes));
  }
  assert.deepEqual({ http: await tgAttributes(http), tcp: await tgAttributes(tcp), udp: await tgAttributes(udp) }, before);
});

test("ALBs show cross-zone load balancing on, which cannot be turned off", async () => {
  const attrs = async () => Object.fromEntries(((await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: alb }))).Attributes ?? []).map((a) => [a.Key, a.Value]));
  assert.equal((await attrs())["load_balancing.cross_zone.enabled"], "true");
  assert.deepEqual(await refusal(elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: alb, Attributes: [{ Key: "load_balancing.cross_zone.enabled", Value: "false" }] }))),
    { name: "ValidationError", message: "Load balancer attribute value 'false' for key 'load_balancing.cross_zone.enabled' is not valid: it must be one of true" });
  assert.equal((await attrs())["load_balancing.cross_zone.enabled"], "true");
});

test("listener attributes and capacity reservations survive a restart", async () => {
  const beforeRestart = {
    http: await attributesOf(httpListener), tcp: await attributesOf(tcpListener),
    capacity: (await elb.send(new DescribeCapacityReservationCommand({ LoadBalancerArn: alb }))).MinimumLoadBalancerCapacity,
  };
  elb.destroy();
  await berth.kill9();
  berth = await start();
  elb = connect(berth);
  assert.deepEqual({
    http: await attributesOf(httpListener), tcp: await attributesOf(tcpListener),
    capacity: (await elb.send(new DescribeCapacityReservationCommand({ LoadBalancerArn: alb }))).MinimumLoadBalancerCapacity,
  }, beforeRestart);
  assert.deepEqual(beforeRestart.capacity, { CapacityUnits: 100 });
  assert.equal(beforeRestart.tcp[TCP_IDLE], "6000");
});
