/**
 * Whether a request's Host header names the address Berth binds, so that the console is served
 * on that address alone. Berth's socket can be reached by other names: the API relay that tasks
 * use (agent/task-endpoint/api-relay.ts, on the Docker bridge's gateway) passes bytes through
 * untouched, so a browser at the gateway's address would otherwise get the console there; a name
 * that a DNS rebinding points at this machine would too. A bind to every address (0.0.0.0, ::)
 * serves the console on all of them, under any name. A bind to 127.0.0.1 or ::1 also answers to
 * `localhost`, and a bind to `localhost` to both of its addresses.
 */
export function servesHost(bound: string, hostHeader: string | undefined): boolean {
  if (bindsEveryAddress(bound)) return true;
  if (!hostHeader) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  const own = bound.includes(":") ? `[${bound.toLowerCase()}]` : bound.toLowerCase();
  const names = new Set([own]);
  if (own === "127.0.0.1" || own === "[::1]") names.add("localhost");
  if (own === "localhost") names.add("127.0.0.1").add("[::1]");
  return names.has(hostname);
}

/** Whether Berth's `host` setting binds every address (0.0.0.0, ::), where it answers to any name. */
export const bindsEveryAddress = (bound: string): boolean => bound === "0.0.0.0" || bound === "::" || bound === "";
