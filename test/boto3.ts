import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
let found: Promise<string> | undefined;

/** A python3 that has boto3: the one on PATH, else Debian's (where setup-debian.sh installs python3-boto3). */
export function python(): Promise<string> {
  found ??= (async () => {
    for (const candidate of ["python3", "/usr/bin/python3"]) {
      try {
        await run(candidate, ["-c", "import boto3"]);
        return candidate;
      } catch {
        /* next */
      }
    }
    throw new Error("no python3 with boto3; run scripts/setup-debian.sh");
  })();
  return found;
}

/**
 * Runs a Python script that uses boto3 and prints one JSON document; returns it parsed. The
 * script gets `args` as sys.argv[1:], and no shared AWS config or credentials files.
 */
export async function boto3Json<T = unknown>(script: string, ...args: string[]): Promise<T> {
  const { stdout } = await run(await python(), ["-c", script, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" },
  });
  return JSON.parse(stdout) as T;
}
