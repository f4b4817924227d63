import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateRuleCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand, type RuleCondition, type RuleTransform,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { failure } from "./failure.js";

/**
 * ALB's 2025 rule features end to end: regex condition values (host-header, path-pattern,
 * http-header) and the host-header-rewrite / url-rewrite transforms. The AWS CLI and SDK v3 create
 * the rules; real requests through the listener show which rule answered and what the target got.
 */
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
const backends: http.Server[] = [];

after(async () => {
  elb?.destroy();
  await berth?.dispose();
  for (const b of backends) b.closeAllConnections(), b.close();
});

/** A request to the load balancer's own address; the answer's status and body. */
function get(address: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: address, port, path, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body }));
    }).on("error", reject);
  });
}

test("regex conditions route requests, transforms rewrite what the target gets, bad input changes nothing", async () => {
  berth = await BerthProcess.start();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  // The target says what it was asked for.
  const target = http.createServer((req, res) => res.end(JSON.stringify({ url: req.url, host: req.headers.host, xff: req.headers["x-forwarded-for"] })));
  backends.push(target);
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));

  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "rx", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg = (await berth.aws("elbv2", "create-target-group", "--name", "rx", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0];
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg.TargetGroupArn, "--targets", `Id=127.0.0.1,Port=${(target.address() as AddressInfo).port}`);
  const port = 8088;
  const listener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", String(port),
    "--default-actions", "Type=fixed-response,FixedResponseConfig={StatusCode=404,MessageBody=default}")).Listeners[0];
  const forward = [{ Type: "forward" as const, TargetGroupArn: tg.TargetGroupArn as string }];

  // A regex path condition and both transforms. SDK v3: Debian's AWS CLI (2.9) predates both features.
  const conditions: RuleCondition[] = [{ Field: "path-pattern", PathPatternConfig: { RegexValues: ["^/api/v[0-9]+/"] } }];
  const transforms: RuleTransform[] = [
    { Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "^/api/v[0-9]+/(.*)$", Replace: "/$1" }] } },
    { Type: "host-header-rewrite", HostHeaderRewriteConfig: { Rewrites: [{ Regex: "^shop-([a-z]+)\\.example\\.com$", Replace: "$1.internal" }] } },
  ];
  const created = (await elb.send(new CreateRuleCommand({ ListenerArn: listener.ListenerArn, Priority: 10, Conditions: conditions, Transforms: transforms, Actions: forward }))).Rules![0]!;
  assert.deepEqual(created.Conditions![0]!.PathPatternConfig!.RegexValues, ["^/api/v[0-9]+/"]);
  assert.deepEqual(created.Transforms, transforms);
  const described = (await elb.send(new DescribeRulesCommand({ RuleArns: [created.RuleArn!] }))).Rules![0]!;
  assert.deepEqual(described.Transforms, transforms);
  // The CLI still describes the rule (its older model leaves the new members out).
  assert.equal((await berth.aws("elbv2", "describe-rules", "--rule-arns", created.RuleArn!)).Rules[0].Priority, "10");

  // Routed on the original request, rewritten for the target; the query string is part of the URL.
  const rewritten = await get(address, port, "/api/v2/users?id=7", { host: "shop-eu.example.com" });
  assert.equal(rewritten.status, 200);
  assert.deepEqual(JSON.parse(rewritten.body), { url: "/users?id=7", host: "eu.internal", xff: "127.0.0.1" });
  // No host match: the original Host goes through.
  assert.equal(JSON.parse((await get(address, port, "/api/v1/x", { host: "other.test" })).body).host, "other.test");
  // Not matching the regex (case-sensitive, anchored): the default action.
  assert.deepEqual(await get(address, port, "/API/v2/users"), { status: 404, body: "default" });
  assert.deepEqual(await get(address, port, "/web/api/v2/"), { status: 404, body: "default" });

  // A host regex sees the port; header regexes each occurrence. SDK v3 this time.
  await elb.send(new CreateRuleCommand({
    ListenerArn: listener.ListenerArn, Priority: 5, Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "port 8443" } }],
    Conditions: [{ Field: "host-header", HostHeaderConfig: { RegexValues: ["^admin\\.example\\.com:8443$"] } }],
  }));
  await elb.send(new CreateRuleCommand({
    ListenerArn: listener.ListenerArn, Priority: 6, Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "mobile" } }],
    Conditions: [{ Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "User-Agent", RegexValues: ["(?i)(android|iphone)"] } }],
  }));
  assert.deepEqual(await get(address, port, "/", { host: "admin.example.com:8443" }), { status: 200, body: "port 8443" });
  assert.deepEqual(await get(address, port, "/", { host: "admin.example.com" }), { status: 404, body: "default" });
  assert.deepEqual(await get(address, port, "/", { "user-agent": "Mozilla/5.0 (iPhone)" }), { status: 200, body: "mobile" });

  // A rewrite whose match gives an invalid request target: ALB answers 500.
  const broken = (await elb.send(new CreateRuleCommand({
    ListenerArn: listener.ListenerArn, Priority: 20, Actions: forward, Conditions: [{ Field: "path-pattern", Values: ["/broken*"] }],
    Transforms: [{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "^/", Replace: "" }] } }],
  }))).Rules![0]!;
  assert.equal((await get(address, port, "/broken")).status, 500);

  // ResetTransforms: the rule forwards the request as it came.
  const reset = (await elb.send(new ModifyRuleCommand({ RuleArn: created.RuleArn!, ResetTransforms: true }))).Rules![0]!;
  assert.equal(reset.Transforms, undefined);
  assert.equal(JSON.parse((await get(address, port, "/api/v2/users", { host: "shop-eu.example.com" })).body).url, "/api/v2/users");

  // Bad input: ValidationError, and the listener's rules stay as they were.
  const before = (await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules;
  const bad: Array<[{ Conditions?: RuleCondition[]; Transforms?: RuleTransform[] }, RegExp]> = [
    [{ Conditions: [{ Field: "path-pattern", PathPatternConfig: { RegexValues: ["^/(?=x)"] } }] }, /not a valid regular expression/],
    [{ Conditions: [{ Field: "path-pattern", PathPatternConfig: { RegexValues: ["(a)\\1"] } }] }, /not a valid regular expression/],
    [{ Conditions: [{ Field: "host-header", HostHeaderConfig: { RegexValues: ["\\p{L}+"] } }] }, /Unicode character classes/],
    [{ Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/a"], RegexValues: ["^/a"] } }] }, /both values and regex values/],
    [{ Conditions: [{ Field: "path-pattern", PathPatternConfig: { RegexValues: ["x".repeat(129)] } }] }, /1 to 128 characters/],
    [{ Conditions: [{ Field: "query-string", RegexValues: ["a"] }] }, /Regex values can only be specified/],
    [{ Conditions: [{ Field: "path-pattern", PathPatternConfig: { RegexValues: ["a", "b", "c"] } }, { Field: "host-header", HostHeaderConfig: { RegexValues: ["d", "e", "f"] } }] }, /'5' condition values/],
    [{ Transforms: [{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "a", Replace: "b" }] } }, { Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "c", Replace: "d" }] } }] }, /only have one 'url-rewrite' transform/],
    [{ Transforms: [{ Type: "url-rewrite", HostHeaderRewriteConfig: { Rewrites: [{ Regex: "a", Replace: "b" }] } }] }, /Only UrlRewriteConfig/],
    [{ Transforms: [{ Type: "host-header-rewrite" }] }, /at least one rewrite/],
    [{ Transforms: [{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "(?<=a)b", Replace: "c" }] } }] }, /not a valid regular expression/],
    [{ Transforms: [{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "a", Replace: "x".repeat(1025) }] } }] }, /1024 characters/],
  ];
  for (const [input, message] of bad) {
    const err = await failure(elb.send(new CreateRuleCommand({
      ListenerArn: listener.ListenerArn, Priority: 40, Actions: forward, Conditions: input.Conditions ?? [{ Field: "path-pattern", Values: ["/x"] }], Transforms: input.Transforms,
    })));
    assert.equal(err.name, "ValidationError", JSON.stringify(input));
    assert.match(err.message, message);
  }
  const both = await failure(elb.send(new ModifyRuleCommand({ RuleArn: broken.RuleArn, ResetTransforms: true, Transforms: [{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "a", Replace: "b" }] } }] })));
  assert.equal(both.name, "ValidationError");
  const defaultRule = before!.find((r) => r.IsDefault)!;
  const onDefault = await failure(elb.send(new ModifyRuleCommand({ RuleArn: defaultRule.RuleArn, Transforms: [{ Type: "url-rewrite", UrlRewriteConfig: { Rewrites: [{ Regex: "a", Replace: "b" }] } }] })));
  assert.equal(onDefault.name, "ValidationError");
  assert.match(onDefault.message, /default rule/);
  assert.deepEqual((await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules, before);
  // The data plane still serves the same rules.
  assert.equal((await get(address, port, "/broken")).status, 500);
});
