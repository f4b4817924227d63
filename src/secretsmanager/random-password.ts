import { randomInt } from "node:crypto";
import { invalidParameter } from "./errors.js";

/** GetRandomPassword: characters drawn with the OS's CSPRNG from the classes not excluded. */
export interface PasswordRequest {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  IncludeSpace?: boolean;
  RequireEachIncludedType?: boolean;
}

const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

export function randomPassword(r: PasswordRequest): string {
  const length = r.PasswordLength ?? 32;
  const excluded = new Set(r.ExcludeCharacters ?? "");
  const keep = (chars: string) => [...chars].filter((c) => !excluded.has(c)).join("");
  const classes = [
    r.ExcludeLowercase ? "" : keep("abcdefghijklmnopqrstuvwxyz"),
    r.ExcludeUppercase ? "" : keep("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    r.ExcludeNumbers ? "" : keep("0123456789"),
    r.ExcludePunctuation ? "" : keep(PUNCTUATION),
    r.IncludeSpace ? keep(" ") : "",
  ].filter((c) => c.length > 0);
  const all = classes.join("");
  if (all.length === 0) throw invalidParameter("The password cannot be generated: every character is excluded.");
  const requireEach = r.RequireEachIncludedType ?? true;
  if (requireEach && length < classes.length) {
    throw invalidParameter(`The password length must be at least ${classes.length} to include a character of each included type.`);
  }
  const pick = (chars: string) => chars[randomInt(chars.length)]!;
  const out = Array.from({ length }, () => pick(all));
  if (requireEach) {
    // One position per class, chosen at random, gets a character of that class.
    const positions = [...Array(length).keys()];
    for (const c of classes) out[positions.splice(randomInt(positions.length), 1)[0]!] = pick(c);
  }
  return out.join("");
}
