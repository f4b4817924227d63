import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { LoadResult } from "./http-load.js";

const run = promisify(execFile);

/**
 * A closed-loop load from wrk (Debian's `wrk`, a C load generator): `connections` keep-alive
 * connections on one client thread, each sending the next request when the previous answer is in,
 * for `seconds`. Used where the server is fast enough that a Node client would be what is
 * measured: on two cores, client and server share the machine, and wrk takes the least of it.
 * Loopback only: the caller passes a 127.x origin.
 */
export async function wrkLoad(
  origin: string,
  { method, path, headers, body, connections, seconds, lua: extraLua }: {
    method: "GET" | "POST"; path: string; headers: Record<string, string>; body?: string; connections: number; seconds: number;
    /** More of wrk's Lua, appended to the script (e.g. a `delay()` that paces each connection). */
    lua?: string;
  },
): Promise<LoadResult> {
  if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+$/.test(origin)) throw new Error(`load only goes to loopback, not ${origin}`);
  const dir = mkdtempSync(join(tmpdir(), "berth-wrk-"));
  try {
    const script = join(dir, "request.lua");
    const lua = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal for ASCII
    writeFileSync(script, [
      `wrk.method = ${lua(method)}`,
      ...(body !== undefined ? [`wrk.body = ${lua(body)}`] : []),
      ...Object.entries(headers).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`),
      ...(extraLua !== undefined ? [extraLua] : []),
    ].join("\n"));
    const { stdout } = await run("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, `${origin}${path}`]);
    if (/Non-2xx or 3xx responses/.test(stdout)) throw new Error(`${method} ${path}: some answers were not 2xx:\n${stdout}`);
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
    const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
    return { requests, seconds: requests / rate, perSecond: rate, p50Ms: percentile(stdout, "50%"), p99Ms: percentile(stdout, "99%") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(out: string, label: string): number {
  const m = new RegExp(`^\\s+${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(out);
  if (!m) throw new Error(`no ${label} latency in wrk's output:\n${out}`);
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]!]!;
}
