#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError } from "../core/config.js";
import { up } from "./up.js";
import { DockerUnavailableError } from "../agent/runtime/docker-engine.js";
import { agent } from "./agent.js";
import { signedGet } from "./signed-fetch.js";

const usage = `berth: AWS container services on your own machines

  berth up [--port 4566] [--host 127.0.0.1] [--data-dir .berth] [--docker-socket PATH]
           [--account-id 000000000000] [--region us-east-1] [--strict-sigv4] [--credentials-file FILE] [--config FILE]
           [--instances 1] [--instance-cpu UNITS] [--instance-memory MIB] [--instance-type t3.large]
           [--availability-zones us-east-1a,us-east-1b,us-east-1c] [--instance-cidr 127.0.1.0/24]
           [--no-allow-privileged] [--host-path-allow-list /srv,/data] [--allowed-capabilities NET_ADMIN] ...
  berth agent --endpoint http://HOST:4566 --cluster NAME [--token-file FILE] [--host-ip 127.0.0.1] [--data-dir .berth-agent]
              [--no-allow-privileged] [--host-path-allow-list /srv,/data] [--allowed-capabilities NET_ADMIN]
  berth logs TASK [--endpoint http://127.0.0.1:4566] [--cluster NAME]

Every setting can also come from the environment (BERTH_PORT, BERTH_DATA_DIR, ...) or a JSON file.
Secrets belong in files or the environment (--credentials-file, BERTH_CREDENTIALS, --agent-token-file,
BERTH_AGENT_TOKEN), not on the command line, where every local user sees them in ps.
berth logs signs its request with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when they are set.`;

async function logs(argv: string[], env: Record<string, string | undefined>) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { endpoint: { type: "string", default: "http://127.0.0.1:4566" }, cluster: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new ConfigError("berth logs takes one task id or ARN");
  const url = new URL("/_berth/logs", values.endpoint);
  url.searchParams.set("task", positionals[0]!);
  if (values.cluster) url.searchParams.set("cluster", values.cluster);
  const res = await signedGet(url, env);
  const body = await res.text();
  if (!res.ok) {
    const parsed = JSON.parse(body) as { message?: string };
    const hint = res.headers.get("x-amzn-errortype") === "MissingAuthenticationTokenException" ? ": this Berth wants signed requests; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" : "";
    throw new ConfigError((parsed.message ?? body) + hint);
  }
  for (const { container, text } of JSON.parse(body) as Array<{ container: string; text: string }>) {
    for (const line of text.split("\n").filter((l) => l !== "")) process.stdout.write(`${container} | ${line}\n`);
  }
}

async function main() {
  // Everything Berth creates (the database, its WAL, registry blobs, the agent's state) is the
  // user's alone: files 0600, directories 0700. Existing ones are tightened at start (makePrivate).
  process.umask(0o077);
  const [command, ...rest] = process.argv.slice(2);
  if (command === "up") return up(rest);
  if (command === "logs") return logs(rest, process.env);
  if (command === "agent") return agent(rest, process.env);
  process.stdout.write(usage + "\n");
  if (command !== "help" && command !== "--help") process.exitCode = 2;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DockerUnavailableError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`berth: ${(err as Error).message}\n`);
  } else {
    process.stderr.write(`berth: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
