import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { createHash, randomBytes } from "node:crypto";
import { Agent, request as undiciRequest } from "undici";
import { DataPlaneEngine } from "../engine.js";
import { defaultTargetGroupAttributes, type DataPlaneSnapshot } from "../snapshot.js";
import { claimLoopbackBlock } from "../../../test/loopback-blocks.js";

// What the raw-socket HTTP/1 core must get right beyond what data-plane.test.ts covers: body
// framing both ways, strict parsing, bodyless answers, Connection: close from either side,
// pipelining, backpressure and aborts. The engine runs in this thread; traffic is real, on loopback.
const block = `127.${await claimLoopbackBlock()}.0`; // a block no other test process holds (test/loopback-blocks.ts)
let nextHost = 1;
const newAddress = () => `${block}.${nextHost++}`;
const PORT = 21000 + (process.pid % 9000);

const engine = new DataPlaneEngine();
const servers: http.Server[] = [];
let lb = "";
let backendPort = 0;
let snapshot: DataPlaneSnapshot;
/** What the backend did, per test. */
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; remotePort: number }[] = [];
let handler: http.RequestListener = (_req, res) => res.end("ok");

before(async () => {
  const address = newAddress();
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, remotePort: req.socket.remotePort! });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, address, r));
  backendPort = (server.address() as net.AddressInfo).port;
  lb = newAddress();
  snapshot = {
    loadBalancers: [{
      LoadBalancerArn: "lb", Type: "application", Address: lb, DNSName: `lb-${process.pid}.us-east-1.elb.localhost`,
      Listeners: [{ ListenerArn: "l", Port: PORT, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: "tg" }], Rules: [] }],
    }],
    targetGroups: [{
      TargetGroupArn: "tg", Protocol: "HTTP", Port: 80, TargetType: "ip",
      // Health checks off: the target takes traffic at once (ALB: "unavailable", still routed).
      HealthCheck: { HealthCheckEnabled: false, HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckPath: "/", HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 5, UnhealthyThresholdCount: 2, Matcher: { HttpCode: "200" } },
      Attributes: defaultTargetGroupAttributes,
      Targets: [{ Id: address, Address: address, Port: backendPort, State: "registered" }],
    }],
  };
  await engine.apply(snapshot);
});

after(async () => {
  await engine.close();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const reset = (h: http.RequestListener) => {
  seen.length = 0;
  handler = h;
};

/** Sends raw bytes on a new connection and returns everything that comes back until the proxy closes it. */
function raw(bytes: string | Buffer, { endInput = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(PORT, lb);
    let out = "";
    socket.setEncoding("latin1");
    socket.on("data", (d) => (out += d));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
    socket.write(bytes);
    if (endInput) socket.end();
  });
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("a chunked request body streams to the target and a chunked response streams back, byte for byte", async () => {
  reset((req, res) => {
    // Echo, piece by piece, as it arrives: node answers chunked since no length is known.
    res.setHeader("x-te-seen", String(req.headers["transfer-encoding"]));
    req.pipe(res);
  });
  const body = randomBytes(8 * 1024 * 1024 + 123);
  const answer = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request({ host: lb, port: PORT, method: "POST", path: "/echo", agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c)).on("end", () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on("error", reject);
    // No Content-Length: node sends the body chunked, in uneven pieces.
    for (let at = 0; at < body.length; at += 777_777) req.write(body.subarray(at, at + 777_777));
    req.end();
  });
  assert.equal(answer.headers["x-te-seen"], "chunked");
  assert.equal(answer.headers["transfer-encoding"], "chunked");
  assert.equal(answer.body.length, body.length);
  assert.equal(sha256(answer.body), sha256(body));
});

test("a request with both Content-Length and Transfer-Encoding is refused with ALB's 400 and never reaches the target", async () => {
  reset((_req, res) => res.end("should not be here"));
  const before = engine.trafficCounters().loadBalancers.lb?.elbCodes["400"] ?? 0;
  const out = await raw(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(out, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(out, /\r\nserver: awselb\/2\.0\r\n/i);
  assert.match(out, /\r\nconnection: close\r\n/i);
  assert.match(out, /<title>400 Bad Request<\/title>/);
  assert.equal(out.match(/HTTP\/1\.1 /g)?.length, 1);
  assert.equal(seen.length, 0);
  // Garbage is refused the same way.
  assert.match(await raw("NOT HTTP AT ALL\r\n\r\n"), /^HTTP\/1\.1 400 Bad Request\r\n/);
  // So is a head larger than the parser's limit (16 KiB).
  assert.match(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.equal(seen.length, 0);
  // Each counts as the load balancer's own 4XX answer (HTTPCode_ELB_4XX_Count).
  assert.equal(engine.trafficCounters().loadBalancers.lb!.elbCodes["400"], before + 3);
});

test("HEAD, 204 and 304 answers carry no body and the connection stays usable for the next request", async () => {
  reset((req, res) => {
    if (req.url === "/204") return res.writeHead(204, { "x-kind": "204" }).end();
    if (req.url === "/304") return res.writeHead(304, { etag: '"v1"' }).end();
    // HEAD: node writes the Content-Length of the body GET would get, and no body.
    res.setHeader("content-length", 11);
    res.end(req.method === "HEAD" ? undefined : "hello world");
  });
  const dispatcher = new Agent({ connections: 1, pipelining: 1 });
  try {
    const head = await undiciRequest(`http://${lb}:${PORT}/`, { method: "HEAD", dispatcher });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers["content-length"], "11");
    assert.equal((await head.body.arrayBuffer()).byteLength, 0);
    const noContent = await undiciRequest(`http://${lb}:${PORT}/204`, { dispatcher });
    assert.equal(noContent.statusCode, 204);
    assert.equal(noContent.headers["x-kind"], "204");
    assert.equal(await noContent.body.text(), "");
    const notModified = await undiciRequest(`http://${lb}:${PORT}/304`, { dispatcher });
    assert.equal(notModified.statusCode, 304);
    assert.equal(await notModified.body.text(), "");
    const get = await undiciRequest(`http://${lb}:${PORT}/`, { dispatcher });
    assert.equal(await get.body.text(), "hello world");
  } finally {
    await dispatcher.close();
  }
  // And on the wire: one connection, four answers, each framed right, the last one closing it.
  const out = await raw(`HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ["200", "204", "304", "200"]);
  assert.ok(out.endsWith("\r\n\r\nhello world"), out);
});

test("Connection: close from the client ends its connection after the answer; from the target, only the target's connection ends", async () => {
  reset((req, res) => {
    if (req.url === "/close") res.setHeader("connection", "close");
    res.end(`port ${req.socket.remotePort}`);
  });
  const out = await raw(`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(out, /\r\nconnection: close\r\n/i);
  assert.ok(out.endsWith(`port ${seen[0]!.remotePort}`));
  // An HTTP/1.0 client without keep-alive: the same.
  assert.match(await raw(`GET / HTTP/1.0\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n/i);

  reset((req, res) => {
    if (req.url === "/close") res.setHeader("connection", "close");
    res.end(`port ${req.socket.remotePort}`);
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const get = (path: string) => new Promise<{ body: string; reused: boolean; connection: string | undefined }>((resolve, reject) => {
      const req = http.get({ host: lb, port: PORT, path, agent }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ body, reused: req.reusedSocket, connection: res.headers.connection }));
      });
      req.on("error", reject);
    });
    const first = await get("/close");
    const second = await get("/close");
    const third = await get("/");
    // The client's connection was kept all along...
    assert.deepEqual([first.reused, second.reused, third.reused], [false, true, true]);
    assert.notEqual(first.connection, "close");
    // ...while each answer the target closed after came over a new target connection.
    assert.equal(new Set(seen.map((s) => s.remotePort)).size, 3);
  } finally {
    agent.destroy();
  }
});

test("pipelined requests are answered in order, one at a time, bodies included", async () => {
  reset((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => {
      // The first answer is the slowest: in-order delivery must not depend on who finishes first.
      setTimeout(() => res.end(`${req.method} ${req.url} ${body}`), req.url === "/a" ? 200 : 0);
    });
  });
  const out = await raw(
    `GET /a HTTP/1.1\r\nHost: x\r\n\r\n` +
    `POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello` +
    `POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n` +
    `GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  );
  const bodies = out.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((answer) => {
    const [head, ...rest] = answer.split("\r\n\r\n");
    const body = rest.join("\r\n\r\n");
    // The chunked answers node gives here are re-framed by the proxy: decode what came back.
    return /transfer-encoding: chunked/i.test(head!) ? body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, "").replace(/\r\n[0-9a-f]+\r\n/g, "") : body;
  });
  assert.deepEqual(bodies, ["GET /a ", "POST /b hello", "POST /c abc", "GET /d "]);
  // The target saw them one at a time, in order.
  assert.deepEqual(seen.map((s) => s.url), ["/a", "/b", "/c", "/d"]);
});

test("a slow reader: the target is paused instead of the proxy holding the body; everything arrives once the client reads", async () => {
  const piece = Buffer.alloc(64 * 1024, "x");
  const total = 256 * 1024 * 1024;
  let written = 0;
  reset((_req, res) => {
    res.setHeader("content-length", total);
    const pump = () => {
      while (written < total) {
        written += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  const socket = net.connect(PORT, lb);
  socket.write(`GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  socket.pause();
  // The client reads nothing for a while: what the target could write is bounded by socket buffers, not by the body.
  await new Promise((r) => setTimeout(r, 1500));
  const whileStalled = written;
  assert.ok(whileStalled > 0 && whileStalled < 48 * 1024 * 1024, `the target wrote ${whileStalled} bytes while the client read nothing`);
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on("data", (d: Buffer) => (received += d.length));
    socket.on("end", resolve).on("error", reject);
    socket.resume();
  });
  assert.equal(written, total);
  assert.ok(received > total && received < total + 1024, `received ${received}`);
});

test("a client that goes away mid-response stops the target's response too", async () => {
  let targetClosed!: () => void;
  const closed = new Promise<void>((r) => (targetClosed = r));
  reset((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    const timer = setInterval(() => res.write("tick\n"), 10);
    res.on("close", () => {
      clearInterval(timer);
      if (!res.writableFinished) targetClosed();
    });
  });
  const socket = net.connect(PORT, lb);
  socket.write(`GET /stream HTTP/1.1\r\nHost: x\r\n\r\n`);
  await new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.destroy();
  // The proxy drops its connection to the target, whose response then ends unfinished.
  await closed;

  // And the load balancer serves on.
  reset((_req, res) => res.end("still here"));
  assert.equal(await (await fetch(`http://${lb}:${PORT}/`)).text(), "still here");
});

test("a request body the target reads slowly is not buffered whole either", async () => {
  let received = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  reset((req, res) => {
    req.pause();
    void released.then(() => {
      req.on("data", (c: Buffer) => (received += c.length)).on("end", () => res.end(`got ${received}`));
      req.resume();
    });
  });
  const total = 256 * 1024 * 1024;
  const piece = Buffer.alloc(64 * 1024, "y");
  let sent = 0;
  const answer = new Promise<string>((resolve, reject) => {
    const req = http.request({ host: lb, port: PORT, method: "PUT", path: "/upload", agent: false, headers: { "content-length": total } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve(body));
    });
    req.on("error", reject);
    const pump = () => {
      while (sent < total) {
        sent += piece.length;
        if (!req.write(piece)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(sent < 48 * 1024 * 1024, `the client got ${sent} bytes accepted while the target read nothing`);
  release();
  assert.equal(await answer, `got ${total}`);
});

test("Expect: 100-continue: the target's interim 100 reaches the client, which then sends the body", async () => {
  reset((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => res.end(`got ${body}`));
  });
  const out = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(PORT, lb);
    let got = "";
    socket.setEncoding("latin1");
    socket.on("data", (d) => {
      got += d;
      // node's server answers 100 Continue itself; the client sends its body only once it has it.
      if (got.startsWith("HTTP/1.1 100 Continue\r\n\r\n") && !socket.writableEnded && got.length === "HTTP/1.1 100 Continue\r\n\r\n".length) socket.end("hello");
    });
    socket.on("end", () => resolve(got)).on("error", reject);
    socket.write(`PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
  });
  assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.ok(out.endsWith("got hello"), out);
  assert.equal(seen[0]!.headers.expect, "100-continue");
});

test("a kept-alive target connection the target closed while idle is not reused: the next request gets a new one", async () => {
  reset((req, res) => res.end(`port ${req.socket.remotePort}`));
  const first = await (await fetch(`http://${lb}:${PORT}/one`)).text();
  // The target closes its idle connection (as node's 5 s keepAliveTimeout would).
  servers[0]!.closeIdleConnections();
  await new Promise((r) => setTimeout(r, 100));
  const second = await fetch(`http://${lb}:${PORT}/two`);
  assert.equal(second.status, 200);
  assert.notEqual(await second.text(), first);
  assert.deepEqual(seen.map((s) => s.url), ["/one", "/two"]);
});

test("a response that keeps streaming outlives the idle timeout: only silence counts", async () => {
  // A second load balancer with a 1 s idle timeout, in front of the same target.
  const quick = newAddress();
  const base = snapshot.loadBalancers[0]!;
  await engine.apply({ ...snapshot, loadBalancers: [base, { ...base, LoadBalancerArn: "quick", Address: quick, DNSName: `quick-${process.pid}.us-east-1.elb.localhost`, IdleTimeoutSeconds: 1 }] });
  try {
    reset((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      let n = 0;
      const timer = setInterval(() => {
        res.write("x");
        if (++n === 10) {
          clearInterval(timer);
          res.end();
        }
      }, 250);
    });
    // 2.5 s of response, never silent for 1 s: neither side's idle timer may fire.
    const answer = await fetch(`http://${quick}:${PORT}/stream`);
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), "x".repeat(10));

    // Silence for longer than the idle timeout before any answer is ALB's 504.
    reset((_req, res) => void setTimeout(() => res.end("late"), 1500));
    const late = await fetch(`http://${quick}:${PORT}/late`);
    assert.equal(late.status, 504);
    assert.match(await late.text(), /504 Gateway Time-out/);
  } finally {
    await engine.apply(snapshot);
  }
});
