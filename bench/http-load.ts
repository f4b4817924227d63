import { Pool } from "undici";

/**
 * A closed-loop HTTP load: `concurrency` workers on as many keep-alive connections, each sending
 * the next request when the previous answer has been read, until `requests` are done or
 * `maxSeconds` pass (bounded both ways). Loopback only: the caller passes a 127.x origin.
 */
export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function httpLoad(origin: string, path: string, headers: Record<string, string>, { requests, concurrency, maxSeconds = 30 }: { requests: number; concurrency: number; maxSeconds?: number }): Promise<LoadResult> {
  if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+$/.test(origin)) throw new Error(`load only goes to loopback, not ${origin}`);
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let sent = 0;
  const deadline = Date.now() + maxSeconds * 1000;
  const t0 = process.hrtime.bigint();
  try {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (sent < requests && Date.now() < deadline) {
        sent++;
        const start = process.hrtime.bigint();
        const res = await pool.request({ method: "GET", path, headers });
        await res.body.dump({ limit: Infinity });
        if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}`);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }));
  } finally {
    await pool.close();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? NaN;
  return { requests: latencies.length, seconds, perSecond: latencies.length / seconds, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

/**
 * Raw blob download rate: every path GET at once (one connection each), bodies read and thrown
 * away, `rounds` times; returns MB/s of body bytes. Measures the registry's serving path without
 * a client that hashes and stores what it gets (skopeo's pull does both).
 */
export async function downloadRate(origin: string, paths: string[], headers: Record<string, string>, rounds: number): Promise<number> {
  if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+$/.test(origin)) throw new Error(`load only goes to loopback, not ${origin}`);
  const pool = new Pool(origin, { connections: paths.length, pipelining: 1 });
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  try {
    for (let r = 0; r < rounds; r++) {
      await Promise.all(paths.map(async (path) => {
        const res = await pool.request({ method: "GET", path, headers });
        if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}`);
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
      }));
    }
  } finally {
    await pool.close();
  }
  return bytes / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9);
}
