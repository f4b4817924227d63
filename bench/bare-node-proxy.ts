/**
 * A reference point for bench/load-balancer.ts: the smallest reverse proxy Node's http module
 * makes (keep-alive agent, round robin, bodies piped both ways, no rules, headers or counters), so
 * the bench can tell Node's own cost from what Berth's data plane adds on top.
 *
 *   node dist/bench/bare-node-proxy.js <port> <target port>...   (all on 127.0.0.1)
 */
import http from "node:http";

const [port, ...targets] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let next = 0;

http.createServer((req, res) => {
  const upstream = http.request({ host: "127.0.0.1", port: targets[next++ % targets.length], method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => {
    res.statusCode = 502;
    res.end();
  });
  req.pipe(upstream);
}).listen(port, "127.0.0.1");
