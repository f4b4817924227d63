import { validation } from "./errors.js";

/**
 * Load balancer and target group names: at most 32 alphanumerics and hyphens, not beginning or
 * ending with a hyphen; `what` is "Load balancer" or "Target group", as AWS's messages say.
 */
export function checkName(what: string, name: string): void {
  if (name.length > 32) throw validation(`${what} name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) throw validation(`${what} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  if (name.startsWith("-") || name.endsWith("-")) throw validation(`${what} name '${name}' cannot begin or end with '-'`);
}
