#!/usr/bin/env node
import { parseArgs } from "node:util";
import { loadConfig, ConfigError, configKeys, configKinds, flagName, type Config } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { createBerth } from "../server.js";
import { DockerUnavailableError } from "../agent/runtime/docker-engine.js";
import { agent } from "./agent.js";

const usage = `berth: AWS container services on your own machines

  berth up [--port 4566] [--host 127.0.0.1] [--data-dir .berth] [--docker-socket PATH]
           [--account-id 000000000000] [--region us-east-1] [--strict-sigv4] [--config FILE]
           [--instances 1] [--instance-cpu UNITS] [--instance-memory MIB] [--instance-type t3.large]
           [--availability-zones us-east-1a,us-east-1b,us-east-1c] [--instance-cidr 127.0.1.0/24]
           [--no-allow-privileged] [--host-path-allow-list /srv,/data] [--allowed-capabilities NET_ADMIN] ...
  berth agent --endpoint http://HOST:4566 --cluster NAME [--token T] [--host-ip 127.0.0.1] [--data-dir .berth-agent]
              [--no-allow-privileged] [--host-path-allow-list /srv,/data] [--allowed-capabilities NET_ADMIN]
  berth logs TASK [--endpoint http://127.0.0.1:4566] [--cluster NAME]

Every setting can also come from the environment (BERTH_PORT, BERTH_DATA_DIR, ...) or a JSON file.`;

async function up(argv: string[]) {
  const options: Record<string, { type: "string" | "boolean" }> = { config: { type: "string" } };
  for (const key of configKeys) options[flagName(key)] = { type: configKinds[key] === "boolean" ? "boolean" : "string" };
  // A boolean setting that defaults to true needs a way off on the command line: --no-<flag>.
  for (const key of configKeys) if (configKinds[key] === "boolean") options[`no-${flagName(key)}`] = { type: "boolean" };
  const { values } = parseArgs({ args: argv, options, strict: true });
  const flags: Partial<Record<keyof Config, unknown>> = {};
  for (const key of configKeys) if (values[flagName(key)] !== undefined) flags[key] = values[flagName(key)];
  for (const key of configKeys) if (values[`no-${flagName(key)}`] === true) flags[key] = false;
  const config = loadConfig({ flags, env: process.env, file: values.config as string | undefined });
  const log = createLogger(config.logLevel);
  const berth = await createBerth(config, log);
  const address = await berth.listen();
  log.info({ address, dataDir: config.dataDir }, "berth is up");
  const shutdown = async () => {
    await berth.close();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

async function logs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { endpoint: { type: "string", default: "http://127.0.0.1:4566" }, cluster: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new ConfigError("berth logs takes one task id or ARN");
  const url = new URL("/_berth/logs", values.endpoint);
  url.searchParams.set("task", positionals[0]!);
  if (values.cluster) url.searchParams.set("cluster", values.cluster);
  const res = await fetch(url);
  const body = await res.text();
  if (!res.ok) {
    const parsed = JSON.parse(body) as { message?: string };
    throw new ConfigError(parsed.message ?? body);
  }
  for (const { container, text } of JSON.parse(body) as Array<{ container: string; text: string }>) {
    for (const line of text.split("\n").filter((l) => l !== "")) process.stdout.write(`${container} | ${line}\n`);
  }
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "up") return up(rest);
  if (command === "logs") return logs(rest);
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
