import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import dgram from "node:dgram";
import { once } from "node:events";
import tls from "node:tls";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import { startDataPlane, type DataPlane } from "./data-plane.js";
import { defaultTargetGroupAttributes, type DataPlaneSnapshot, type HealthCheckConfig, type ListenerConfig, type RuleConfig, type TargetGroupConfig } from "./snapshot.js";
import { claimLoopbackBlock } from "../../test/loopback-blocks.js";

// Real traffic on loopback only. Each test process takes its own 127.<n>.0.0/24 so test files
// running in parallel never share an address; each test takes the next address in it.
const block = `127.${await claimLoopbackBlock()}.0`; // a block no other test process holds (test/loopback-blocks.ts)
let nextHost = 1;
const newAddress = () => `${block}.${nextHost++}`;
// The listeners' port, also taken on 127.0.0.1 by the localhost front: one per process (below the
// ephemeral range) so parallel test processes do not compete for it.
const PORT = 20000 + (process.pid % 10000);

let plane: DataPlane;
const servers: net.Server[] = [];
before(() => {
  plane = startDataPlane();
});
after(async () => {
  await plane.close();
  for (const s of servers) if (s instanceof http.Server) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

interface Backend { address: string; port: number; server: http.Server; hits: number }
async function backend(address: string, handler: http.RequestListener = (req, res) => res.end("ok")): Promise<Backend> {
  const b = { address, port: 0, hits: 0 } as Backend;
  b.server = http.createServer((req, res) => {
    if (req.url !== "/health") b.hits++;
    handler(req, res);
  });
  servers.push(b.server);
  await new Promise<void>((r) => b.server.listen(0, address, r));
  b.port = (b.server.address() as { port: number }).port;
  return b;
}

/** Answers with its name, and echoes the headers the proxy added. */
const named = (name: string): http.RequestListener => (req, res) => {
  res.setHeader("x-backend", name);
  res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
};

const fastHealth = (over: Partial<HealthCheckConfig> = {}): HealthCheckConfig => ({
  HealthCheckEnabled: true,
  HealthCheckProtocol: "HTTP",
  HealthCheckPort: "traffic-port",
  HealthCheckPath: "/health",
  HealthCheckIntervalSeconds: 0.1,
  HealthCheckTimeoutSeconds: 0.2,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
  Matcher: { HttpCode: "200" },
  ...over,
});

function group(arn: string, targets: Backend[], over: Partial<TargetGroupConfig> = {}): TargetGroupConfig {
  return {
    TargetGroupArn: arn,
    Protocol: "HTTP",
    Port: 80,
    TargetType: "ip",
    HealthCheck: fastHealth(),
    Attributes: defaultTargetGroupAttributes,
    Targets: targets.map((b) => ({ Id: b.address, Address: b.address, Port: b.port, State: "registered" as const })),
    ...over,
  };
}

const forward = (arn: string): Action[] => [{ Type: "forward", TargetGroupArn: arn }];

function snapshot(address: string, groups: TargetGroupConfig[], listener: Partial<ListenerConfig> = {}, idle?: number): DataPlaneSnapshot {
  return {
    loadBalancers: [{
      LoadBalancerArn: `lb-${address}`,
      Type: "application",
      Address: address,
      DNSName: `lb-${address.replaceAll(".", "-")}.us-east-1.elb.localhost`,
      ...(idle !== undefined && { IdleTimeoutSeconds: idle }),
      Listeners: [{ ListenerArn: `l-${address}`, Port: PORT, Protocol: "HTTP", DefaultActions: forward(groups[0]?.TargetGroupArn ?? "none"), Rules: [], ...listener }],
    }],
    targetGroups: groups,
  };
}

/** A plain node:http request on a fresh connection: fetch won't send a custom Host header. */
function request(url: string, { method = "GET", headers = {} }: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject).end();
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function states(arn: string): Promise<string[]> {
  const groups = await plane.targetHealth();
  return (groups.find((g) => g.TargetGroupArn === arn)?.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.TargetHealth?.State}:${d.TargetHealth?.Reason ?? ""}`);
}

const allHealthy = (arn: string, n: number) =>
  waitFor(`${n} healthy targets in ${arn}`, async () => {
    const s = await states(arn);
    return s.length === n && s.every((x) => x.includes(":healthy:")) ? s : undefined;
  });

test("round robin across three healthy targets, with X-Forwarded-* and X-Amzn-Trace-Id", async () => {
  const lb = newAddress();
  const backends = await Promise.all(["a", "b", "c"].map(async (n) => backend(newAddress(), named(n))));
  await plane.apply(snapshot(lb, [group("tg-rr", backends)]));
  assert.deepEqual((await states("tg-rr")).map((s) => s.split(":")[1]), ["initial", "initial", "initial"]);
  await allHealthy("tg-rr", 3);
  const counts: Record<string, number> = {};
  let last: { headers: Record<string, string> } | undefined;
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`http://${lb}:${PORT}/x?y=1`);
    assert.equal(res.status, 200);
    last = await res.json();
    const name = res.headers.get("x-backend")!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  assert.deepEqual(counts, { a: 10, b: 10, c: 10 });
  assert.match(last!.headers["x-forwarded-for"]!, /^127\./);
  assert.equal(last!.headers["x-forwarded-proto"], "http");
  assert.equal(last!.headers["x-forwarded-port"], String(PORT));
  assert.match(last!.headers["x-amzn-trace-id"]!, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  assert.equal(last!.headers["host"], `${lb}:${PORT}`);
});

test("rules route by path, host, header, method, query and source ip; redirect and fixed-response answer directly", async () => {
  const lb = newAddress();
  const [api, web, beta] = await Promise.all([backend(newAddress(), named("api")), backend(newAddress(), named("web")), backend(newAddress(), named("beta"))]);
  const rule = (priority: number, conditions: RuleConfig["Conditions"], actions: Action[]): RuleConfig => ({ RuleArn: `r${priority}`, Priority: priority, Conditions: conditions, Actions: actions });
  const rules: RuleConfig[] = [
    rule(30, [{ Field: "path-pattern", PathPatternConfig: { Values: ["/api/*"] } }], forward("tg-api")),
    rule(20, [{ Field: "host-header", HostHeaderConfig: { Values: ["www.example.*"] } }], forward("tg-web")),
    rule(10, [{ Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "X-Beta", Values: ["y*"] } }, { Field: "http-request-method", HttpRequestMethodConfig: { Values: ["GET"] } }], forward("tg-beta")),
    rule(40, [{ Field: "query-string", QueryStringConfig: { Values: [{ Key: "v", Value: "2" }] } }], forward("tg-beta")),
    rule(50, [{ Field: "path-pattern", PathPatternConfig: { Values: ["/old/*"] } }], [{ Type: "redirect", RedirectConfig: { StatusCode: "HTTP_301", Path: "/new/#{path}", Query: "#{query}&moved=1" } }]),
    rule(60, [{ Field: "source-ip", SourceIpConfig: { Values: ["10.0.0.0/8"] } }], forward("tg-api")),
  ];
  await plane.apply(snapshot(lb, [group("tg-api", [api]), group("tg-web", [web]), group("tg-beta", [beta])], {
    Rules: rules,
    DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain", MessageBody: "no route" } }],
  }));
  const who = async (path: string, init: { method?: string; headers?: Record<string, string> } = {}) => {
    const res = await request(`http://${lb}:${PORT}${path}`, init);
    return [res.status, res.headers["x-backend"], res.headers.location ?? res.body].filter((x) => x !== undefined && x !== "").join(" ");
  };
  assert.match(await who("/api/users"), /^200 api/);
  assert.equal(await who("/API/users"), "404 no route"); // paths are case-sensitive
  assert.match(await who("/", { headers: { host: "WWW.Example.org" } }), /^200 web/);
  assert.match(await who("/api/x", { headers: { "x-beta": "YES" } }), /^200 beta/); // priority 10 beats 30
  assert.match(await who("/api/x", { method: "POST", headers: { "x-beta": "yes" } }), /^200 api/);
  assert.match(await who("/?a=1&v=2"), /^200 beta/);
  assert.equal(await who("/old/page?x=1"), `301 http://${lb}:${PORT}/new/old/page?x=1&moved=1`);
  assert.equal(await who("/nothing"), "404 no route");
});

test("weighted forward splits between target groups within a tolerance", async () => {
  const lb = newAddress();
  const [blue, green] = await Promise.all([backend(newAddress(), named("blue")), backend(newAddress(), named("green"))]);
  const action: Action = { Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: "tg-blue", Weight: 80 }, { TargetGroupArn: "tg-green", Weight: 20 }] } };
  await plane.apply(snapshot(lb, [group("tg-blue", [blue]), group("tg-green", [green])], { DefaultActions: [action] }));
  const n = 400;
  for (let i = 0; i < n; i++) await (await fetch(`http://${lb}:${PORT}/`)).text();
  const share = blue.hits / n;
  assert.equal(blue.hits + green.hits, n);
  assert.ok(share > 0.7 && share < 0.9, `blue got ${blue.hits} of ${n}`);
});

test("ALB's own answers: 503 with no registered target, 502 on a closed port, 504 on a silent target", async () => {
  const lb503 = newAddress();
  await plane.apply(snapshot(lb503, [group("tg-empty", [])]));
  const r503 = await fetch(`http://${lb503}:${PORT}/`);
  assert.equal(r503.status, 503);
  assert.equal(r503.headers.get("server"), "awselb/2.0");
  assert.match(await r503.text(), /<h1>503 Service Temporarily Unavailable<\/h1>/);

  const closed = await backend(newAddress());
  await new Promise((r) => closed.server.close(r));
  const lb502 = newAddress();
  await plane.apply(snapshot(lb502, [group("tg-closed", [closed], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })]));
  const r502 = await fetch(`http://${lb502}:${PORT}/`);
  assert.equal(r502.status, 502);
  assert.match(await r502.text(), /<h1>502 Bad Gateway<\/h1>/);

  const silent = await backend(newAddress(), () => {}); // accepts, never answers
  const lb504 = newAddress();
  await plane.apply(snapshot(lb504, [group("tg-silent", [silent], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })], {}, 0.3));
  const r504 = await fetch(`http://${lb504}:${PORT}/`);
  assert.equal(r504.status, 504);
  assert.match(await r504.text(), /<h1>504 Gateway Time-out<\/h1>/);
});

test("bodies stream both ways: headers and the first bytes arrive before the target has finished", async () => {
  const lb = newAddress();
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let finished = false;
  const streamer = await backend(newAddress(), async (req, res) => {
    if (req.url === "/echo") {
      // Echo the upload back as it arrives, with a digest of what came in at the end.
      const hash = createHash("sha256");
      res.writeHead(200, { trailer: "x-digest" });
      req.on("data", (chunk: Buffer) => hash.update(chunk));
      req.pipe(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(Buffer.alloc(64 * 1024, 1));
    await released;
    for (let i = 0; i < 64; i++) res.write(Buffer.alloc(64 * 1024, 2));
    finished = true;
    res.end();
  });
  await plane.apply(snapshot(lb, [group("tg-stream", [streamer], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })]));
  const res = await fetch(`http://${lb}:${PORT}/big`);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  assert.equal(finished, false, "the target has not finished sending yet");
  release();
  let total = first.value!.length;
  for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.length;
  assert.equal(total, 65 * 64 * 1024);

  const upload = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < upload.length; i++) upload[i] = i % 251;
  const echoed = Buffer.from(await (await fetch(`http://${lb}:${PORT}/echo`, { method: "POST", body: upload })).arrayBuffer());
  assert.equal(createHash("sha256").update(echoed).digest("hex"), createHash("sha256").update(upload).digest("hex"));
});

test("health: a failing target turns unhealthy and leaves rotation; all unhealthy fails open; timeouts and refusals have their reasons", async () => {
  const lb = newAddress();
  let failing = false;
  const flaky = await backend(newAddress(), (req, res) => {
    res.setHeader("x-backend", "flaky");
    res.statusCode = req.url === "/health" && failing ? 500 : 200;
    res.end();
  });
  const steady = await backend(newAddress(), named("steady"));
  await plane.apply(snapshot(lb, [group("tg-health", [flaky, steady])]));
  await allHealthy("tg-health", 2);
  failing = true;
  const unhealthy = await waitFor("flaky unhealthy", async () => (await states("tg-health")).find((s) => s.startsWith(`${flaky.address}:unhealthy:`)));
  assert.equal(unhealthy, `${flaky.address}:unhealthy:Target.ResponseCodeMismatch`);
  const before = flaky.hits;
  for (let i = 0; i < 10; i++) assert.equal((await fetch(`http://${lb}:${PORT}/`)).headers.get("x-backend"), "steady");
  assert.equal(flaky.hits, before);

  // Every target unhealthy: ALB fails open and keeps sending to all of them.
  const hung = await backend(newAddress(), (req, res) => {
    if (req.url !== "/health") res.end("hung");
  });
  const refused = await backend(newAddress());
  await new Promise((r) => refused.server.close(r));
  await plane.apply(snapshot(lb, [group("tg-health", [flaky, hung, refused])]));
  const all = await waitFor("three unhealthy targets", async () => {
    const s = await states("tg-health");
    return s.every((x) => x.includes(":unhealthy:")) ? s : undefined;
  });
  assert.deepEqual(all.sort(), [`${flaky.address}:unhealthy:Target.ResponseCodeMismatch`, `${hung.address}:unhealthy:Target.Timeout`, `${refused.address}:unhealthy:Target.FailedHealthChecks`].sort());
  const seen = new Set<number>();
  for (let i = 0; i < 6; i++) seen.add((await fetch(`http://${lb}:${PORT}/`)).status);
  assert.ok(seen.has(200), "fail open: requests still reach the targets that answer");

  failing = false;
  await waitFor("flaky healthy again", async () => (await states("tg-health")).find((s) => s.startsWith(`${flaky.address}:healthy:`)));
});

test("health: HealthCheckPort sends the checks to another port of the target, with the path and matcher", async () => {
  const lb = newAddress();
  const address = newAddress();
  // Traffic on one port (anything but / fails there), health on another (its /ready answers 202).
  const traffic = await backend(address, (req, res) => {
    res.statusCode = req.url === "/" ? 200 : 500;
    res.end("traffic");
  });
  let ready = true;
  const probe = await backend(address, (req, res) => {
    res.statusCode = req.url === "/ready" && ready ? 202 : 404;
    res.end();
  });
  const health = fastHealth({ HealthCheckPort: String(probe.port), HealthCheckPath: "/ready", Matcher: { HttpCode: "200-202" } });
  await plane.apply(snapshot(lb, [group("tg-hc-port", [traffic], { HealthCheck: health })]));
  await allHealthy("tg-hc-port", 1);
  assert.equal(await (await fetch(`http://${lb}:${PORT}/`)).text(), "traffic");
  ready = false;
  assert.equal(
    await waitFor("unhealthy on the health port", async () => (await states("tg-hc-port")).find((s) => s.includes(":unhealthy:"))),
    `${address}:unhealthy:Target.ResponseCodeMismatch`,
  );
});

test("a snapshot swap keeps an in-flight slow request; a removed listener stops accepting", async () => {
  const lb = newAddress();
  const slow = await backend(newAddress(), (req, res) => setTimeout(() => res.end("slow answer"), 400));
  await plane.apply(snapshot(lb, [group("tg-slow", [slow], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })]));
  const inFlight = fetch(`http://${lb}:${PORT}/`).then((r) => r.text());
  await waitFor("the slow request to reach the target", async () => (slow.hits > 0 ? true : undefined));
  await plane.apply(snapshot(lb, [group("tg-slow", [slow])], { DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "new config" } }] }));
  assert.equal(await (await fetch(`http://${lb}:${PORT}/`)).text(), "new config");
  assert.equal(await inFlight, "slow answer");

  // Removing the listener while a request is at the target: that request still gets its answer.
  await plane.apply(snapshot(lb, [group("tg-slow", [slow], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })]));
  const hits = slow.hits;
  const second = request(`http://${lb}:${PORT}/`);
  await waitFor("the second request to reach the target", async () => (slow.hits > hits ? true : undefined));
  await plane.apply(snapshot(newAddress(), [group("tg-slow", [slow])]));
  assert.equal((await second).body, "slow answer");
  await assert.rejects(request(`http://${lb}:${PORT}/`), /ECONNREFUSED/);
});

test("draining targets get no new requests and disappear after the deregistration delay", async () => {
  const lb = newAddress();
  const [a, b] = await Promise.all([backend(newAddress(), named("a")), backend(newAddress(), named("b"))]);
  const g = group("tg-drain", [a, b], { Attributes: { ...defaultTargetGroupAttributes, "deregistration_delay.timeout_seconds": 0.5 } });
  await plane.apply(snapshot(lb, [g]));
  await allHealthy("tg-drain", 2);
  const draining = { ...g, Targets: g.Targets.map((t) => (t.Id === a.address ? { ...t, State: "draining" as const, DeregisteredAt: Date.now() } : t)) };
  await plane.apply(snapshot(lb, [draining]));
  assert.ok((await states("tg-drain")).includes(`${a.address}:draining:Target.DeregistrationInProgress`));
  const before = a.hits;
  for (let i = 0; i < 6; i++) assert.equal((await fetch(`http://${lb}:${PORT}/`)).headers.get("x-backend"), "b");
  assert.equal(a.hits, before);
  await waitFor("the drained target to disappear", async () => ((await states("tg-drain")).length === 1 ? true : undefined));
});

test("a target group no listener uses reports its targets unused", async () => {
  const lb = newAddress();
  const t = await backend(newAddress());
  await plane.apply({ ...snapshot(lb, [group("tg-used", [])]), targetGroups: [group("tg-used", []), group("tg-idle", [t])] });
  assert.deepEqual(await states("tg-idle"), [`${t.address}:unused:Target.NotInUse`]);
});

test("NLB: a TCP listener forwards connections round robin to TCP-health-checked targets", async () => {
  const lb = newAddress();
  const echo = async (name: string) => {
    const address = newAddress();
    const server = net.createServer((socket) => socket.on("data", (d) => socket.end(`${name}:${d}`)));
    await new Promise<void>((r) => server.listen(0, address, r));
    servers.push(server);
    return { address, port: (server.address() as net.AddressInfo).port, hits: 0 } as Backend;
  };
  const targets = [await echo("one"), await echo("two")];
  const g = group("tg-tcp", targets, { Protocol: "TCP", HealthCheck: fastHealth({ HealthCheckProtocol: "TCP" }) });
  const s = snapshot(lb, [g], { Protocol: "TCP" });
  await plane.apply({ ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) });
  await allHealthy("tg-tcp", 2);
  const talk = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: lb, port: PORT }, () => socket.write(text));
      let got = "";
      socket.setEncoding("utf8").on("data", (d) => (got += d)).on("end", () => resolve(got)).on("error", reject);
    });
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await talk(`hello${i}`));
  assert.deepEqual(answers.map((a) => a.split(":")[0]).sort(), ["one", "one", "two", "two"]);
  assert.ok(answers.every((a, i) => a.endsWith(`:hello${i}`)));

  await plane.apply({ ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })), targetGroups: [{ ...g, Targets: [] }] });
  await assert.rejects(talk("nobody"), /ECONNRESET/);
});

test("NLB: a client's half-close passes through, so a target answering after the client's FIN is heard (as `echo x | nc`)", async () => {
  const lb = newAddress();
  // Like `cat` behind `nc -e`: answers only once the client has finished sending, then closes.
  const address = newAddress();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let got = "";
    socket.setEncoding("utf8").on("data", (d) => (got += d)).on("end", () => socket.end(`after FIN: ${got}`));
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  servers.push(server);
  const target = { address, port: (server.address() as net.AddressInfo).port, hits: 0 } as Backend;
  const g = group("tg-half-close", [target], { Protocol: "TCP", HealthCheck: fastHealth({ HealthCheckProtocol: "TCP" }) });
  const s = snapshot(lb, [g], { Protocol: "TCP" });
  await plane.apply({ ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) });
  await allHealthy("tg-half-close", 1);
  for (let i = 0; i < 3; i++) {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: lb, port: PORT }, () => socket.end(`request ${i}`));
      let got = "";
      socket.setEncoding("utf8").on("data", (d) => (got += d)).on("close", () => resolve(got)).on("error", reject);
    });
    assert.equal(answer, `after FIN: request ${i}`);
  }
});

test("NLB: a TCP flow with no data either way for TcpIdleTimeoutSeconds is reset at both ends; a changed timeout reaches open flows", async () => {
  const lb = newAddress();
  const address = newAddress();
  // The target records how each of its connections ended.
  const targetEnds: Promise<string>[] = [];
  const server = net.createServer((socket) => {
    targetEnds.push(new Promise((resolve) => socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")).on("close", () => resolve("closed"))));
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  servers.push(server);
  const target = { address, port: (server.address() as net.AddressInfo).port, hits: 0 } as Backend;
  const g = group("tg-tcp-idle", [target], { Protocol: "TCP", HealthCheck: fastHealth({ HealthCheckProtocol: "TCP", HealthCheckEnabled: false }) });
  // The data plane takes any value (the API holds AWS's 60 s minimum): a long one first, then a short one.
  const nlb = (seconds: number) => {
    const s = snapshot(lb, [g], { Protocol: "TCP", TcpIdleTimeoutSeconds: seconds });
    return { ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) };
  };
  await plane.apply(nlb(3600));
  const socket = net.connect({ host: lb, port: PORT });
  const clientEnd = new Promise<string>((resolve) => socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")).on("close", () => resolve("closed")));
  await once(socket, "connect");
  socket.write("hi");
  assert.equal(String((await once(socket, "data"))[0]), "hi");
  await plane.apply(nlb(0.3));
  assert.equal(await clientEnd, "ECONNRESET");
  assert.equal(await targetEnds.at(-1), "ECONNRESET");
});

test("lb_cookie stickiness: a client sending back AWSALB stays on its target", async () => {
  const lb = newAddress();
  const backends = await Promise.all(["a", "b", "c"].map(async (n) => backend(newAddress(), named(n))));
  const attributes = { ...defaultTargetGroupAttributes, "stickiness.enabled": true, "stickiness.lb_cookie.duration_seconds": 60 };
  await plane.apply(snapshot(lb, [group("tg-sticky", backends, { Attributes: attributes, HealthCheck: fastHealth({ HealthCheckEnabled: false }) })]));
  const first = await request(`http://${lb}:${PORT}/`);
  const cookie = (first.headers["set-cookie"] ?? []).find((c) => c.startsWith("AWSALB="))!;
  assert.ok(cookie, "AWSALB is set");
  assert.ok((first.headers["set-cookie"] ?? []).some((c) => c.startsWith("AWSALBCORS=")));
  const served = new Set<string>();
  for (let i = 0; i < 6; i++) served.add(String((await request(`http://${lb}:${PORT}/`, { headers: { cookie: cookie.split(";")[0]! } })).headers["x-backend"]));
  assert.deepEqual([...served], [first.headers["x-backend"]]);
  // Without the cookie, round robin goes on.
  const plain = new Set<string>();
  for (let i = 0; i < 3; i++) plain.add(String((await request(`http://${lb}:${PORT}/`)).headers["x-backend"]));
  assert.equal(plain.size, 3);
});

test("the localhost front on 127.0.0.1 routes each request by its Host (the DNSName) to that load balancer's listener", async () => {
  const [one, two] = [newAddress(), newAddress()];
  const [a, b] = await Promise.all([backend(newAddress(), named("a")), backend(newAddress(), named("b"))]);
  const noChecks = { HealthCheck: fastHealth({ HealthCheckEnabled: false }) };
  const s1 = snapshot(one, [group("tg-front-a", [a], noChecks)]);
  const s2 = snapshot(two, [group("tg-front-b", [b], noChecks)]);
  const [lb1, lb2] = [s1.loadBalancers[0]!, s2.loadBalancers[0]!];
  const report = await plane.apply({ loadBalancers: [lb1, lb2], targetGroups: [...s1.targetGroups, ...s2.targetGroups] });
  assert.deepEqual(report.frontsSkipped, []);

  const via = async (host: string, path = "/") => {
    const res = await request(`http://127.0.0.1:${PORT}${path}`, { headers: { host } });
    return `${res.status} ${res.headers["x-backend"] ?? res.headers.server}`;
  };
  assert.equal(await via(lb1.DNSName), "200 a");
  assert.equal(await via(`${lb2.DNSName}:${PORT}`), "200 b");
  assert.equal(await via(`${lb1.DNSName.toUpperCase()}.`), "200 a"); // DNS names are case-insensitive; a final dot is the same name
  // The target sees the client's Host and the front's port, as behind ALB.
  const seen = JSON.parse((await request(`http://127.0.0.1:${PORT}/`, { headers: { host: lb2.DNSName } })).body);
  assert.equal(seen.headers.host, lb2.DNSName);
  assert.equal(seen.headers["x-forwarded-port"], String(PORT));

  // A Host that names no load balancer listening on this port: a clear 404, in ALB's style.
  const unknown = await request(`http://127.0.0.1:${PORT}/`, { headers: { host: "nope.us-east-1.elb.localhost" } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.server, "awselb/2.0");
  assert.match(unknown.body, /No load balancer named nope\.us-east-1\.elb\.localhost has an HTTP listener on port \d+/);

  // Removing a load balancer removes its route at once; the last one gone closes the front.
  await plane.apply({ loadBalancers: [lb2], targetGroups: s2.targetGroups });
  assert.equal(await via(lb1.DNSName), "404 awselb/2.0");
  assert.equal(await via(lb2.DNSName), "200 b");
  await plane.apply({ loadBalancers: [], targetGroups: [] });
  await assert.rejects(request(`http://127.0.0.1:${PORT}/`, { headers: { host: lb2.DNSName } }), /ECONNREFUSED/);
});

test("a localhost front port another program holds is skipped and reported; the load balancer's own address still serves", async () => {
  const lb = newAddress();
  const a = await backend(newAddress(), named("a"));
  const squatter = http.createServer((req, res) => res.end("squatter"));
  servers.push(squatter);
  await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
  const port = (squatter.address() as net.AddressInfo).port;
  const report = await plane.apply(snapshot(lb, [group("tg-squat", [a], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })], { Port: port }));
  assert.equal(report.frontsSkipped.length, 1);
  assert.match(report.frontsSkipped[0]!, new RegExp(`^127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
  assert.equal((await request(`http://${lb}:${port}/`)).headers["x-backend"], "a");
  assert.equal((await request(`http://127.0.0.1:${port}/`)).body, "squatter");
  await plane.apply({ loadBalancers: [], targetGroups: [] });
});

test("a listener whose address and port another program holds is reported with its load balancer; the rest is served, and the next apply binds it once free", async () => {
  const held = newAddress();
  const free = newAddress();
  const a = await backend(newAddress(), named("a"));
  const squatter = http.createServer((req, res) => res.end("squatter"));
  await new Promise<void>((r) => squatter.listen(PORT, held, r));
  const g = group("tg-held", [a], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) });
  const both: DataPlaneSnapshot = { loadBalancers: [...snapshot(held, [g]).loadBalancers, ...snapshot(free, [g]).loadBalancers], targetGroups: [g] };
  const report = await plane.apply(both);
  assert.deepEqual(report.listenersUnbound?.map((l) => [l.LoadBalancerArn, l.ListenerArn]), [[`lb-${held}`, `l-${held}`]]);
  assert.match(report.listenersUnbound![0]!.reason, new RegExp(`^${held.replaceAll(".", "\\.")}:${PORT} \\(HTTP\\): .*EADDRINUSE`));
  assert.equal((await request(`http://${free}:${PORT}/`)).headers["x-backend"], "a");
  assert.equal((await request(`http://${held}:${PORT}/`)).body, "squatter");
  await new Promise<void>((r) => squatter.close(() => r()));
  assert.deepEqual((await plane.apply(both)).listenersUnbound, []);
  assert.equal((await request(`http://${held}:${PORT}/`)).headers["x-backend"], "a");
  await plane.apply({ loadBalancers: [], targetGroups: [] });
});

test("traffic counters: requests given a target, the targets' codes and response times apart from the load balancer's own answers", async () => {
  const lb = newAddress();
  const byPath = await backend(newAddress(), (req, res) => {
    const status = Number(req.url!.slice(1)) || 200;
    setTimeout(() => res.writeHead(status).end(), 20);
  });
  const rules: RuleConfig[] = [
    { RuleArn: "r-fixed", Priority: 1, Conditions: [{ Field: "path-pattern", Values: ["/fixed"] }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404" } }] },
    { RuleArn: "r-redirect", Priority: 2, Conditions: [{ Field: "path-pattern", Values: ["/old"] }], Actions: [{ Type: "redirect", RedirectConfig: { Path: "/new", StatusCode: "HTTP_301" } }] },
    { RuleArn: "r-empty", Priority: 3, Conditions: [{ Field: "path-pattern", Values: ["/empty"] }], Actions: forward("tg-count-empty") },
  ];
  await plane.apply(snapshot(lb, [group("tg-count", [byPath], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) }), group("tg-count-empty", [])], { Rules: rules }));
  const lbArn = `lb-${lb}`;
  const before = await plane.trafficCounters();
  assert.deepEqual(Object.keys(before.loadBalancers[lbArn]!.targetGroups).sort(), ["tg-count", "tg-count-empty"], "every group a listener forwards to is there before any traffic");
  for (const path of ["/200", "/200", "/201", "/302", "/404", "/500", "/503"]) await request(`http://${lb}:${PORT}${path}`);
  for (const path of ["/fixed", "/old", "/empty"]) await request(`http://${lb}:${PORT}${path}`);

  const c = (await plane.trafficCounters()).loadBalancers[lbArn]!;
  assert.equal(c.requests, 7, "fixed responses, redirects and requests with no target to choose are not RequestCount");
  assert.deepEqual(c.elbCodes, { 301: 1, 404: 1, 503: 1 });
  assert.equal(c.redirects, 1);
  assert.equal(c.fixedResponses, 1);
  const g = c.targetGroups["tg-count"]!;
  assert.equal(g.requests, 7);
  assert.deepEqual(g.targetCodes, { 200: 2, 201: 1, 302: 1, 404: 1, 500: 1, 503: 1 }, "a target's own 503 is the target's");
  assert.equal(g.responses, 7);
  assert.ok(g.responseSecondsTotal >= 7 * 0.015, `each response took the target's 20 ms at least, got ${g.responseSecondsTotal}`);
  assert.equal(c.targetGroups["tg-count-empty"]!.requests, 0);

  // A target that refuses: the request counts, its 502 is the load balancer's, and it has no response time.
  const closed = await backend(newAddress());
  await new Promise((r) => closed.server.close(r));
  const lb502 = newAddress();
  await plane.apply(snapshot(lb502, [group("tg-count-closed", [closed], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })]));
  await request(`http://${lb502}:${PORT}/`);
  const c502 = (await plane.trafficCounters()).loadBalancers[`lb-${lb502}`]!;
  assert.equal(c502.requests, 1);
  assert.deepEqual(c502.elbCodes, { 502: 1 });
  assert.deepEqual(c502.targetGroups["tg-count-closed"]!.targetCodes, {});
  assert.equal(c502.targetGroups["tg-count-closed"]!.responses, 0);
});

test("traffic counters on an NLB: new and active flows and the bytes both ways", async () => {
  const lb = newAddress();
  const address = newAddress();
  const server = net.createServer((socket) => socket.on("data", (d) => socket.end(`echo:${d}`)));
  await new Promise<void>((r) => server.listen(0, address, r));
  servers.push(server);
  const target = { address, port: (server.address() as net.AddressInfo).port } as Backend;
  const g = group("tg-flows", [target], { Protocol: "TCP", HealthCheck: fastHealth({ HealthCheckEnabled: false }) });
  const s = snapshot(lb, [g], { Protocol: "TCP" });
  await plane.apply({ ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) });
  const open = net.connect({ host: lb, port: PORT });
  await new Promise((r) => open.once("connect", r));
  const lbArn = `lb-${lb}`;
  await waitFor("an active flow", async () => ((await plane.trafficCounters()).loadBalancers[lbArn]?.activeFlows === 1 ? true : undefined));
  for (const text of ["abc", "defgh"]) {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: lb, port: PORT }, () => socket.write(text));
      socket.on("data", () => {}).on("end", () => resolve()).on("error", reject);
    });
  }
  open.destroy();
  const c = await waitFor("every flow closed", async () => {
    const lbc = (await plane.trafficCounters()).loadBalancers[lbArn]!;
    return lbc.activeFlows === 0 ? lbc : undefined;
  });
  assert.equal(c.newFlows, 3);
  // "abc" + "echo:abc" and "defgh" + "echo:defgh".
  assert.equal(c.processedBytes, 3 + 8 + 5 + 10);
  assert.equal(c.targetGroups["tg-flows"]!.newFlows, 3);
  assert.equal(c.targetGroups["tg-flows"]!.processedBytes, 26);
  assert.equal(c.requests, 0);
});

/**
 * A WebSocket echo target on node:http's 'upgrade' event: the RFC 6455 handshake, then every
 * frame the client sends (masked) comes back unmasked with the same opcode; close is answered and
 * ends the connection. Hand-written because the `ws` package is not a dependency; the frames here
 * are small (no 64-bit lengths). Its handshake answer names the target, so the test sees who served.
 */
async function websocketEcho(address: string, name: string): Promise<Backend & { upgrades: http.IncomingHttpHeaders[] }> {
  const b = (await backend(address, named(name))) as Backend & { upgrades: http.IncomingHttpHeaders[] };
  b.upgrades = [];
  b.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    b.upgrades.push(req.headers);
    if (req.url?.endsWith("/refuse")) {
      socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 6\r\nx-backend: " + name + "\r\n\r\nno way");
      return;
    }
    const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Backend: ${name}\r\n\r\n`);
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (buffered.length < 2) return;
        const opcode = buffered[0]! & 0x0f;
        let length = buffered[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffered.length < 4) return;
          length = buffered.readUInt16BE(2);
          offset = 4;
        }
        if (buffered.length < offset + 4 + length) return;
        const mask = buffered.subarray(offset, offset + 4);
        const payload = Buffer.from(buffered.subarray(offset + 4, offset + 4 + length).map((byte, i) => byte ^ mask[i % 4]!));
        buffered = buffered.subarray(offset + 4 + length);
        const reply = opcode === 1 ? Buffer.from(`${name}:${payload.toString()}`) : payload;
        socket.write(Buffer.concat([frameHeader(opcode, reply.length), reply]));
        if (opcode === 8) socket.end();
      }
    });
    socket.on("error", () => socket.destroy());
  });
  return b;
}

function frameHeader(opcode: number, length: number): Buffer {
  return length < 126 ? Buffer.from([0x80 | opcode, length]) : Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff]);
}

/** Opens a WebSocket with node's global client, sends each message, and collects the echoes. */
async function websocketRoundTrip(url: string, messages: string[], headers?: Record<string, string>): Promise<string[]> {
  // node's WebSocket (undici) takes extra handshake headers in a non-standard options bag.
  const ws = new WebSocket(url, headers ? ({ headers } as unknown as string[]) : undefined);
  const replies: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => ws.send(messages[0]!));
    ws.addEventListener("message", (event) => {
      replies.push(String(event.data));
      if (replies.length < messages.length) ws.send(messages[replies.length]!);
      else ws.close(1000);
    });
    ws.addEventListener("close", () => resolve());
    ws.addEventListener("error", () => reject(new Error(`WebSocket to ${url} failed`)));
  });
  return replies;
}

/**
 * A raw Upgrade request and what comes back: everything until the connection ends (refusals, ALB's
 * own answers), or a 101's head (then the socket is closed). Lets a test set any Host header.
 */
function rawUpgrade(address: string, port: number, path: string, host?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, address, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host ?? `${address}:${port}`}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    });
    let text = "";
    socket.setEncoding("utf8").on("data", (c) => {
      text += c;
      if (text.startsWith("HTTP/1.1 101 ") && text.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(text);
      }
    }).on("end", () => resolve(text)).on("error", reject);
  });
}

test("WebSocket: the Upgrade goes through the rules to a target, and messages flow both ways", async () => {
  const lb = newAddress();
  const [a, b, chat] = await Promise.all([websocketEcho(newAddress(), "a"), websocketEcho(newAddress(), "b"), websocketEcho(newAddress(), "chat")]);
  const noChecks = { HealthCheck: fastHealth({ HealthCheckEnabled: false }) };
  const rules: RuleConfig[] = [
    { RuleArn: "r-chat", Priority: 1, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/chat/*"] } }], Actions: forward("tg-ws-chat") },
    { RuleArn: "r-closed", Priority: 2, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/closed"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "403", ContentType: "text/plain", MessageBody: "closed" } }] },
  ];
  await plane.apply(snapshot(lb, [group("tg-ws", [a, b], noChecks), group("tg-ws-chat", [chat], noChecks)], { Rules: rules }));

  // Round robin applies to upgrades as to requests; each socket stays with its target throughout.
  assert.deepEqual(await websocketRoundTrip(`ws://${lb}:${PORT}/socket`, ["one", "two"]), ["a:one", "a:two"]);
  assert.deepEqual(await websocketRoundTrip(`ws://${lb}:${PORT}/socket`, ["three"]), ["b:three"]);
  assert.deepEqual(await websocketRoundTrip(`ws://${lb}:${PORT}/chat/room1`, ["hi", "x".repeat(300)]), ["chat:hi", `chat:${"x".repeat(300)}`]);
  // The target sees the upgrade with ALB's forwarding headers.
  const seen = chat.upgrades.at(-1)!;
  assert.equal(seen.upgrade, "websocket");
  assert.match(String(seen.connection), /upgrade/i);
  assert.equal(seen["x-forwarded-proto"], "http");
  assert.match(String(seen["x-forwarded-for"]), /^127\./);
  assert.match(String(seen["x-amzn-trace-id"]), /^Root=1-/);

  // A fixed-response rule answers the upgrade itself; a target that refuses to switch has its answer relayed.
  const closed = await rawUpgrade(lb, PORT, "/closed");
  assert.match(closed, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(closed, /\r\n\r\nclosed$/);
  const refused = await rawUpgrade(lb, PORT, "/chat/refuse");
  assert.match(refused, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(refused, /x-backend: chat/i);
  assert.match(refused, /no way$/);
});

test("WebSocket: stickiness holds an upgrade to its target; no target is ALB's 503, a dead target its 502; the localhost front upgrades too", async () => {
  const lb = newAddress();
  const backends = await Promise.all(["a", "b", "c"].map((n) => websocketEcho(newAddress(), n)));
  const attributes = { ...defaultTargetGroupAttributes, "stickiness.enabled": true, "stickiness.lb_cookie.duration_seconds": 60 };
  const s = snapshot(lb, [group("tg-ws-sticky", backends, { Attributes: attributes, HealthCheck: fastHealth({ HealthCheckEnabled: false }) })]);
  await plane.apply(s);
  const first = await request(`http://${lb}:${PORT}/`);
  const cookie = (first.headers["set-cookie"] ?? []).find((c) => c.startsWith("AWSALB="))!.split(";")[0]!;
  const served = new Set<string>();
  for (let i = 0; i < 4; i++) served.add((await websocketRoundTrip(`ws://${lb}:${PORT}/`, ["m"], { cookie }))[0]!.split(":")[0]!);
  assert.deepEqual([...served], [first.headers["x-backend"]]);

  // The front routes an upgrade by Host like any request (node's WebSocket always sends the URL's host, hence a raw request).
  const front = await rawUpgrade("127.0.0.1", PORT, "/", s.loadBalancers[0]!.DNSName);
  assert.match(front, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(front, /X-Backend: [abc]\r\n/);
  assert.match(front, /Set-Cookie: AWSALB=/);
  assert.match(await rawUpgrade("127.0.0.1", PORT, "/", "nobody.elb.localhost"), /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*No load balancer named nobody\.elb\.localhost/);

  await plane.apply({ ...s, targetGroups: [{ ...s.targetGroups[0]!, Targets: [] }] });
  assert.match(await rawUpgrade(lb, PORT, "/"), /^HTTP\/1\.1 503 Service Temporarily Unavailable\r\n[\s\S]*server: awselb\/2\.0/);
  const dead = await backend(newAddress());
  const deadPort = dead.port;
  await new Promise((r) => dead.server.close(r));
  await plane.apply({ ...s, targetGroups: [{ ...s.targetGroups[0]!, Targets: [{ Id: dead.address, Address: dead.address, Port: deadPort, State: "registered" }] }] });
  assert.match(await rawUpgrade(lb, PORT, "/"), /^HTTP\/1\.1 502 Bad Gateway\r\n/);
});

test("WebSocket: the listener's response headers reach the 101, a target's refusal and ALB's own 503; Server off leaves awselb/2.0 out", async () => {
  const lb = newAddress();
  const target = await websocketEcho(newAddress(), "ws");
  const noChecks = { HealthCheck: fastHealth({ HealthCheckEnabled: false }) };
  // X-Backend stands for a header the target sends that an attribute names: the listener's value replaces it.
  const attributes: Partial<ListenerConfig> = { ResponseHeaders: [{ Name: "Strict-Transport-Security", Value: "max-age=60" }, { Name: "X-Backend", Value: "listener" }], ServerHeader: false };
  const s = snapshot(lb, [group("tg-ws-headers", [target], noChecks)], attributes);
  await plane.apply(s);
  const switched = await rawUpgrade(lb, PORT, "/");
  assert.match(switched, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(switched, /\r\nStrict-Transport-Security: max-age=60\r\n/);
  assert.deepEqual(switched.match(/x-backend: \w+/gi), ["X-Backend: listener"]);
  const refused = await rawUpgrade(lb, PORT, "/refuse");
  assert.match(refused, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(refused, /\r\nStrict-Transport-Security: max-age=60\r\n/);
  assert.deepEqual(refused.match(/x-backend: \w+/gi), ["X-Backend: listener"]);
  await plane.apply({ ...s, targetGroups: [{ ...s.targetGroups[0]!, Targets: [] }] });
  const unavailable = await rawUpgrade(lb, PORT, "/");
  assert.match(unavailable, /^HTTP\/1\.1 503 Service Temporarily Unavailable\r\n/);
  assert.match(unavailable, /\r\nStrict-Transport-Security: max-age=60\r\n/);
  assert.doesNotMatch(unavailable, /awselb/);
});

test("WebSocket: a connection silent both ways for the idle timeout is closed, as ALB does", async () => {
  const lb = newAddress();
  const target = await websocketEcho(newAddress(), "a");
  await plane.apply(snapshot(lb, [group("tg-ws-idle", [target], { HealthCheck: fastHealth({ HealthCheckEnabled: false }) })], {}, 1));
  const ws = new WebSocket(`ws://${lb}:${PORT}/`);
  let opened = false;
  ws.addEventListener("open", () => (opened = true));
  const code = await new Promise<number>((resolve, reject) => {
    ws.addEventListener("close", (event) => resolve(event.code));
    ws.addEventListener("error", () => undefined);
    setTimeout(() => reject(new Error("still open 10 s after a 1 s idle timeout")), 10_000).unref();
  });
  // 1006: closed without a close frame, the proxy dropped the connection.
  assert.equal(opened, true);
  assert.equal(code, 1006);
});

/** A self-signed certificate for `name` made with openssl (EC P-256: quick), as one PEM with its key. */
function selfSigned(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-cert-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`], { stdio: "ignore" });
    return readFileSync(join(dir, "cert.pem"), "utf8") + readFileSync(join(dir, "key.pem"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An HTTPS request trusting `ca`, naming `servername` in SNI; also reports the certificate the server presented. */
function httpsGet(address: string, port: number, servername: string, ca: string, path = "/", options: https.RequestOptions = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: address, port, path, servername, ca, agent: false, headers: { host: servername }, ...options }, (res) => {
      const subject = String((res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? "");
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers, subject }));
    });
    req.on("error", reject).end();
  });
}

test("HTTPS listener: TLS terminated with the listener's certificate, SNI picks among its certificates, the policy's TLS versions hold, WebSockets upgrade", async () => {
  const lb = newAddress();
  const [web, api] = [selfSigned("web.example.test"), selfSigned("api.example.test")];
  const ca = web + api;
  const a = await websocketEcho(newAddress(), "a");
  const noChecks = { HealthCheck: fastHealth({ HealthCheckEnabled: false }) };
  const tlsConfig = (min: "TLSv1.2" | "TLSv1.3") => ({
    Certificates: [{ CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/web", Pem: web }, { CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/api", Pem: api }],
    MinVersion: min, MaxVersion: "TLSv1.3" as const,
  });
  const s = snapshot(lb, [group("tg-https", [a], noChecks)], { Protocol: "HTTPS", Tls: tlsConfig("TLSv1.2") });
  await plane.apply(s);

  const res = await httpsGet(lb, PORT, "web.example.test", ca, "/hello");
  assert.equal(res.status, 200);
  assert.equal(res.subject, "web.example.test");
  const seen = JSON.parse(res.body);
  assert.equal(seen.url, "/hello");
  assert.equal(seen.headers["x-forwarded-proto"], "https");
  assert.equal(seen.headers["x-forwarded-port"], String(PORT));
  assert.equal((await httpsGet(lb, PORT, "api.example.test", ca)).subject, "api.example.test");
  // A name no certificate covers gets the default one (and the client, checking names, refuses it).
  await assert.rejects(httpsGet(lb, PORT, "other.example.test", ca), /does not match certificate's altnames|Hostname\/IP does not match/);
  // Plain HTTP on an HTTPS listener is not served.
  await assert.rejects(request(`http://${lb}:${PORT}/`));

  // A WebSocket through the HTTPS listener (wss): the upgrade is forwarded to the target.
  const upgraded = await new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: lb, port: PORT, servername: "web.example.test", ca }, () => {
      socket.write("GET /ws HTTP/1.1\r\nHost: web.example.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    });
    let text = "";
    socket.setEncoding("utf8").on("data", (c) => {
      text += c;
      if (text.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(text);
      }
    }).on("error", reject);
  });
  assert.match(upgraded, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*X-Backend: a\r\n/);
  assert.equal(a.upgrades.at(-1)!["x-forwarded-proto"], "https");

  // A policy that takes TLS 1.3 only, swapped in without reopening: a TLS 1.2 client is refused.
  await plane.apply(snapshot(lb, [group("tg-https", [a], noChecks)], { Protocol: "HTTPS", Tls: tlsConfig("TLSv1.3") }));
  await assert.rejects(httpsGet(lb, PORT, "web.example.test", ca, "/", { maxVersion: "TLSv1.2" }), /protocol version|alert/i);
  assert.equal((await httpsGet(lb, PORT, "web.example.test", ca, "/", { minVersion: "TLSv1.3" })).status, 200);
  await plane.apply({ loadBalancers: [], targetGroups: [] });
});

test("NLB TLS listener: TLS terminated, then the bytes go to a TCP target", async () => {
  const lb = newAddress();
  const pem = selfSigned("tcp.example.test");
  const echoAddress = newAddress();
  const echo = net.createServer((socket) => socket.on("data", (d) => socket.write(`echo:${d}`)).on("error", () => socket.destroy()));
  servers.push(echo);
  await new Promise<void>((r) => echo.listen(0, echoAddress, r));
  const target = { Id: echoAddress, Address: echoAddress, Port: (echo.address() as net.AddressInfo).port, State: "registered" as const };
  const g: TargetGroupConfig = { ...group("tg-tls", []), Protocol: "TCP", HealthCheck: fastHealth({ HealthCheckEnabled: false }), Targets: [target] };
  const s = snapshot(lb, [g], { Protocol: "TLS", Tls: { Certificates: [{ CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/tcp", Pem: pem }], MinVersion: "TLSv1.2", MaxVersion: "TLSv1.3" } });
  await plane.apply({ ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) });
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: lb, port: PORT, servername: "tcp.example.test", ca: pem }, () => socket.write("ping"));
    socket.setEncoding("utf8").on("data", (d) => {
      socket.end();
      resolve(String(d));
    }).on("error", reject);
  });
  assert.equal(reply, "echo:ping");
  await plane.apply({ loadBalancers: [], targetGroups: [] });
});

test("NLB TLS listener with no target: the connection is closed, and the data plane serves on", async () => {
  const lb = newAddress();
  const pem = selfSigned("none.example.test");
  const g: TargetGroupConfig = { ...group("tg-tls-empty", []), Protocol: "TCP", HealthCheck: fastHealth({ HealthCheckEnabled: false }), Targets: [] };
  const s = snapshot(lb, [g], { Protocol: "TLS", Tls: { Certificates: [{ CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/none", Pem: pem }], MinVersion: "TLSv1.2", MaxVersion: "TLSv1.3" } });
  await plane.apply({ ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) });
  const ended = await new Promise<string>((resolve) => {
    const socket = tls.connect({ host: lb, port: PORT, servername: "none.example.test", ca: pem }, () => socket.write("ping"));
    socket.on("data", () => resolve("data")).on("error", () => resolve("closed")).on("close", () => resolve("closed"));
  });
  assert.equal(ended, "closed");
  // The data plane's thread is still there.
  assert.ok((await plane.targetHealth()).some((h) => h.TargetGroupArn === "tg-tls-empty"));
  await plane.apply({ loadBalancers: [], targetGroups: [] });
});

/** A UDP echo backend ("name:datagram"), with a TCP listener on the same port for its TCP health checks. */
async function udpEcho(name: string): Promise<Backend & { udp: dgram.Socket; tcp: net.Server }> {
  const address = newAddress();
  const udp = dgram.createSocket("udp4");
  udp.on("message", (msg, from) => udp.send(`${name}:${msg}`, from.port, from.address));
  await new Promise<void>((r) => udp.bind(0, address, r));
  const port = udp.address().port;
  const tcp = net.createServer((s) => s.on("error", () => {}).on("data", (d) => s.end(`${name}:${d}`)));
  await new Promise<void>((r) => tcp.listen(port, address, r));
  servers.push(tcp);
  after(() => udp.close());
  return { address, port, udp, tcp, hits: 0 } as unknown as Backend & { udp: dgram.Socket; tcp: net.Server };
}

/** A client with its own source port (one flow): each send waits for the reply and where it came from. */
async function udpClient(): Promise<{ ask: (text: string, host: string) => Promise<{ reply: string; from: string }>; close: () => void }> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return {
    ask: (text, host) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no UDP reply to ${text}`)), 5000);
      socket.once("message", (msg, from) => (clearTimeout(timer), resolve({ reply: String(msg), from: `${from.address}:${from.port}` })));
      socket.send(text, PORT, host);
    }),
    close: () => socket.close(),
  };
}

test("NLB UDP: datagrams go per flow (source address and port) to a TCP-health-checked target; replies come from the listener", async () => {
  const lb = newAddress();
  const [one, two] = [await udpEcho("one"), await udpEcho("two")];
  const g = group("tg-udp", [one, two], { Protocol: "UDP", HealthCheck: fastHealth({ HealthCheckProtocol: "TCP" }) });
  const s = snapshot(lb, [g], { Protocol: "UDP" });
  const nlb = (snap: DataPlaneSnapshot) => ({ ...snap, loadBalancers: snap.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) });
  await plane.apply(nlb(s));
  await allHealthy("tg-udp", 2);

  const [c1, c2] = [await udpClient(), await udpClient()];
  const first = [];
  for (const i of [1, 2, 3]) first.push(await c1.ask(`a${i}`, lb));
  // One flow, one target: every datagram of c1 reaches the same backend, and the reply comes from the load balancer.
  const name1 = first[0]!.reply.split(":")[0]!;
  assert.deepEqual(first.map((r) => r.reply), [1, 2, 3].map((i) => `${name1}:a${i}`));
  assert.ok(first.every((r) => r.from === `${lb}:${PORT}`));
  // A second flow goes round robin to the other target.
  const second = await c2.ask("b", lb);
  assert.equal(second.reply, `${name1 === "one" ? "two" : "one"}:b`);
  assert.equal((await c1.ask("again", lb)).reply, `${name1}:again`);

  // The target of c1's flow fails its TCP health checks: new flows avoid it.
  const failing = name1 === "one" ? one : two;
  await new Promise((r) => failing.tcp.close(r));
  await waitFor("a target unhealthy", async () => ((await states("tg-udp")).some((x) => x.includes(":unhealthy:")) ? true : undefined));
  const c3 = await udpClient();
  assert.equal((await c3.ask("c", lb)).reply, `${name1 === "one" ? "two" : "one"}:c`);

  const counters = (await plane.trafficCounters()).loadBalancers[`lb-${lb}`]!;
  assert.equal(counters.targetGroups["tg-udp"]!.newFlows, 3);
  for (const c of [c1, c2, c3]) c.close();
  await plane.apply({ loadBalancers: [], targetGroups: [] });
});

test("NLB TCP_UDP: one listener port takes TCP connections and UDP datagrams", async () => {
  const lb = newAddress();
  const echo = await udpEcho("both");
  const g = group("tg-tcp-udp", [echo], { Protocol: "TCP_UDP", HealthCheck: fastHealth({ HealthCheckProtocol: "TCP" }) });
  const s = snapshot(lb, [g], { Protocol: "TCP_UDP" });
  await plane.apply({ ...s, loadBalancers: s.loadBalancers.map((l) => ({ ...l, Type: "network" as const })) });
  await allHealthy("tg-tcp-udp", 1);
  const client = await udpClient();
  assert.equal((await client.ask("dgram", lb)).reply, "both:dgram");
  client.close();
  const tcpReply = await new Promise<string>((resolve, reject) => {
    let got = "";
    const socket = net.connect({ host: lb, port: PORT }, () => socket.write("stream"));
    socket.setEncoding("utf8").on("data", (d) => (got += d)).on("end", () => resolve(got)).on("error", reject);
  });
  assert.equal(tcpReply, "both:stream");
  await plane.apply({ loadBalancers: [], targetGroups: [] });
});
