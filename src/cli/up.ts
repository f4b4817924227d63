import { parseArgs } from "node:util";
import { loadConfig, configKeys, configKinds, flagName, authenticatesCallers, type Config } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { createBerth, type BerthOptions } from "../server.js";
import { isLoopbackHost } from "../core/loopback.js";

/** Settings that hold secrets (given as flags, they show in `ps` to every local user), and their safe spellings. */
const SECRET_FLAGS = { credentials: "--credentials-file or BERTH_CREDENTIALS", agentToken: "--agent-token-file or BERTH_AGENT_TOKEN" } as const;

/** `berth up`: the server, until SIGINT or SIGTERM. `options` wire what the composition root does not choose itself. */
export async function up(argv: string[], wiring: BerthOptions = {}) {
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
  for (const [key, instead] of Object.entries(SECRET_FLAGS)) {
    if (flags[key as keyof Config] !== undefined) log.warn({ setting: key }, `--${flagName(key)} on the command line is visible to every local user (ps); use ${instead} instead`);
  }
  const berth = await createBerth(config, log, wiring);
  const address = await berth.listen();
  if (!isLoopbackHost(config.host) && !authenticatesCallers(config)) {
    log.warn(
      { host: config.host, setting: "allowUnauthenticatedNetworkAccess" },
      "UNAUTHENTICATED NETWORK ACCESS: anyone who can reach this address can run containers as root on this host (host bind mounts, privileged), read every task's output and wipe all state; turn on strictSigv4 with credentials of your own",
    );
  }
  log.info({ address, dataDir: config.dataDir }, "berth is up");
  const shutdown = async () => {
    await berth.close();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

