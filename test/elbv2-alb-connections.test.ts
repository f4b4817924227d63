import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeregisterTargetsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand, ModifyTargetGroupAttributesCommand, RegisterTargetsCommand, waitUntilTargetInService,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";

/**
 * An ALB's client connections and in-flight requests, end to end: the load balancer, target group
 * and listener made through the ELBv2 SDK, a node:http backend on loopback, and raw sockets or
 * node:http clients on the other side. Covers the idle timeout applying to connections already
 * open, ALB's 408 for a request that does not arrive in time (silent or trickling), chunked
 * trailers both ways, and requests still in flight when a target's deregistration delay ends, or
 * that finish while it drains.
 */
let berth: BerthProcess;
let elb: ElasticLoadBalancingV2Client;
let lbArn: string;
let tgArn: string;
let address: string;
let backend: http.Server;
let backendPort: number;
/** Requests the backend holds open (/slow, /stream), by path, answered or ended at teardown. */
const held = new Map<string, http.ServerResponse>();
const seenTrailers: Array<NodeJS.Dict<string>> = [];

before(async () => {
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "10"] });
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  backend = http.createServer((req, res) => {
    if (req.url === "/slow" || req.url === "/upload" || req.url === "/finish") return void held.set(req.url, res); // never answers on its own
    if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first part, and the rest never comes");
      return void held.set("/stream", res);
    }
    if (req.url === "/trailers") {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        seenTrailers.push({ ...req.trailers });
        res.writeHead(200, { "content-type": "text/plain", trailer: "x-checksum, x-echo" });
        res.write(`got ${body}`);
        res.addTrailers([["X-Checksum", `len=${body.length}`], ["X-Echo", req.trailers["x-client-sum"] ?? "none"]]);
        res.end();
      });
      return;
    }
    res.end("hello");
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  backendPort = (backend.address() as AddressInfo).port;

  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "conns", Type: "application", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
  lbArn = lb.LoadBalancerArn!;
  address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  tgArn = (await elb.send(new CreateTargetGroupCommand({
    Name: "conns", Protocol: "HTTP", Port: 80, TargetType: "ip", VpcId: "vpc-1", HealthCheckPath: "/", HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2,
  }))).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1", Port: backendPort }] }));
  await waitUntilTargetInService({ client: elb, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TargetGroupArn: tgArn });
});

after(async () => {
  for (const res of held.values()) res.destroy();
  elb?.destroy();
  await berth?.dispose();
  backend?.closeAllConnections();
  backend?.close();
});

const setIdleTimeout = (seconds: number) =>
  elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: String(seconds) }] }));

/** A raw connection to the listener: what it receives, and a promise of its close (failing after `capMs`). */
async function connect(capMs = 30_000): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const socket = net.connect({ host: address, port: 80 });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let text = "";
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => (text += d));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve, reject) => {
    const cap = setTimeout(() => reject(new Error(`the load balancer kept the connection open for ${capMs} ms; received: ${JSON.stringify(text)}`)), capMs);
    socket.once("close", () => {
      clearTimeout(cap);
      resolve();
    });
  });
  return { socket, received: () => text, closed };
}

test("an idle timeout lowered by ModifyLoadBalancerAttributes applies to a keep-alive connection already open", async () => {
  await setIdleTimeout(60);
  const conn = await connect();
  conn.socket.write(`GET /hello HTTP/1.1\r\nHost: ${address}\r\n\r\n`);
  while (!conn.received().endsWith("hello")) await new Promise((r) => setTimeout(r, 20));
  assert.match(conn.received(), /^HTTP\/1\.1 200 OK\r\n/);
  // Opened under a 60 s idle timeout; lowered to 2 s, the open connection closes well before 60 s.
  await setIdleTimeout(2);
  await conn.closed;
  assert.equal(conn.received().match(/HTTP\/1\.1 /g)!.length, 1, "nothing but the one answer");
});

test("a request head that stops midway gets ALB's 408 after the idle timeout, and the connection closes", async () => {
  await setIdleTimeout(2);
  const conn = await connect();
  conn.socket.write(`GET /hello HTTP/1.1\r\nHost: ${address}\r\n`); // no blank line: the head never ends
  await conn.closed;
  assert.match(conn.received(), /^HTTP\/1\.1 408 Request Time-out\r\n/);
  assert.match(conn.received(), /\r\nserver: awselb\/2\.0\r\n/i);
  assert.match(conn.received(), /\r\nconnection: close\r\n/i);
  assert.match(conn.received(), /<title>408 Request Time-out<\/title>/);
});

test("a whole request and, in the same write, the start of a next one: the first is answered, the unfinished head gets 408", async () => {
  await setIdleTimeout(2);
  const conn = await connect();
  conn.socket.write(`GET /hello HTTP/1.1\r\nHost: ${address}\r\n\r\nGET /hello HTTP/1.1\r\nHost: ${address}\r\n`);
  await conn.closed;
  const answers = conn.received().match(/HTTP\/1\.1 \d+/g);
  assert.deepEqual(answers, ["HTTP/1.1 200", "HTTP/1.1 408"]);
});

test("blank lines after an answer begin no request: the idle connection closes without a 408", async () => {
  await setIdleTimeout(2);
  const conn = await connect();
  conn.socket.write(`GET /hello HTTP/1.1\r\nHost: ${address}\r\n\r\n`);
  while (!conn.received().endsWith("hello")) await new Promise((r) => setTimeout(r, 20));
  conn.socket.write("\r\n\r\n");
  await conn.closed;
  assert.deepEqual(conn.received().match(/HTTP\/1\.1 \d+/g), ["HTTP/1.1 200"]);
});

test("a request body that stops midway, before any answer, gets ALB's 408 after the idle timeout; the target's request is cut too", async () => {
  await setIdleTimeout(2);
  const conn = await connect();
  conn.socket.write(`POST /upload HTTP/1.1\r\nHost: ${address}\r\nContent-Length: 10\r\n\r\nabc`); // 7 bytes never come
  while (!held.has("/upload")) await new Promise((r) => setTimeout(r, 20));
  const upload = held.get("/upload")!;
  await conn.closed;
  assert.match(conn.received(), /^HTTP\/1\.1 408 Request Time-out\r\n/);
  if (!upload.socket?.destroyed) await new Promise((resolve) => upload.on("close", resolve));
});

test("a head trickled in a byte at a time, never silent for the idle timeout, still gets 408 once it has taken longer than the idle timeout", async () => {
  await setIdleTimeout(2);
  const conn = await connect();
  const head = `GET /hello HTTP/1.1\r\nHost: ${address}\r\nX-Padding: ${"x".repeat(200)}\r\n\r\n`;
  let sent = 0;
  // A byte every 300 ms: the 2 s idle timer never fires, and the head would take over a minute.
  const drip = setInterval(() => {
    if (conn.socket.destroyed || sent >= head.length) return clearInterval(drip);
    conn.socket.write(head[sent++]!);
  }, 300);
  try {
    await conn.closed;
  } finally {
    clearInterval(drip);
  }
  assert.ok(sent < head.length, `the whole head went out (${sent} bytes) before the load balancer closed`);
  assert.match(conn.received(), /^HTTP\/1\.1 408 Request Time-out\r\n/);
  await setIdleTimeout(60);
});

test("a chunked request's trailers reach the target, and a chunked response's trailers reach the client", async () => {
  const { status, body, trailers, rawTrailers } = await new Promise<{ status: number; body: string; trailers: NodeJS.Dict<string>; rawTrailers: string[] }>((resolve, reject) => {
    const req = http.request({ host: address, port: 80, method: "POST", path: "/trailers", headers: { "content-type": "text/plain", trailer: "x-client-sum" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, body: text, trailers: res.trailers, rawTrailers: res.rawTrailers }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.write("abc"); // no Content-Length: chunked
    req.write("def");
    req.addTrailers({ "x-client-sum": "abcdef-ok" });
    req.end();
  });
  assert.equal(status, 200);
  assert.equal(body, "got abcdef");
  assert.deepEqual(seenTrailers.at(-1), { "x-client-sum": "abcdef-ok" });
  assert.deepEqual(trailers, { "x-checksum": "len=6", "x-echo": "abcdef-ok" });
  assert.deepEqual(rawTrailers, ["X-Checksum", "len=6", "X-Echo", "abcdef-ok"]);
});

test("requests still in flight when a target's deregistration delay ends are cut: 502 before any answer, a closed connection midway through one", async () => {
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "2" }] }));
  // Two requests the target is still working on: one with no answer yet, one with its answer half sent.
  const slow = fetch(`http://${address}/slow`);
  const stream = await fetch(`http://${address}/stream`);
  assert.equal(stream.status, 200);
  const streamBody = stream.text();
  streamBody.catch(() => undefined);
  while (!held.has("/slow")) await new Promise((r) => setTimeout(r, 20));

  await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1", Port: backendPort }] }));
  // The backend itself would hold both forever: only the end of the drain answers them.
  const answer = await slow;
  assert.equal(answer.status, 502);
  assert.equal(answer.headers.get("server"), "awselb/2.0");
  assert.match(await answer.text(), /502 Bad Gateway/);
  await assert.rejects(streamBody, "the half-sent answer ends with its connection, not as a whole body");
  // And the backend saw its side of both requests closed.
  for (const path of ["/slow", "/stream"]) {
    const res = held.get(path)!;
    if (!res.socket?.destroyed) await new Promise((resolve) => res.on("close", resolve));
  }
});

test("a slow request in flight when its target is deregistered finishes while the target drains; new requests get no draining target", async () => {
  // The previous test's drain (2 s) has ended: register the target again, now with a long delay.
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "60" }] }));
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1", Port: backendPort }] }));
  await waitUntilTargetInService({ client: elb, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TargetGroupArn: tgArn });

  const slow = fetch(`http://${address}/finish`);
  while (!held.has("/finish")) await new Promise((r) => setTimeout(r, 20));
  await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1", Port: backendPort }] }));
  const [draining] = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
  assert.equal(draining!.TargetHealth!.State, "draining");
  // The only target drains: a new request has nowhere to go (ALB's 503), the held one carries on.
  const fresh = await fetch(`http://${address}/`);
  assert.equal(fresh.status, 503);
  assert.equal(fresh.headers.get("server"), "awselb/2.0");
  await fresh.text();

  held.get("/finish")!.end("finished while draining");
  const answer = await slow;
  assert.equal(answer.status, 200);
  assert.equal(await answer.text(), "finished while draining");
  const [still] = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
  assert.equal(still!.TargetHealth!.State, "draining", "the drain lasts its delay, not until the last request ends");
});
