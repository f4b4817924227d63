import { invalidToken } from "./errors.js";

/** Opaque paging tokens: a JSON position, base64url-encoded. A token that does not decode is AWS's invalid nextToken. */
export const encodeToken = (position: unknown) => Buffer.from(JSON.stringify(position)).toString("base64url");

export function decodeToken<T>(token: string, check: (value: unknown) => T | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidToken();
  }
  const position = check(value);
  if (position === undefined) throw invalidToken();
  return position;
}
