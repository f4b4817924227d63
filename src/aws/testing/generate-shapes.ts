import randexpModule from "randexp";
import type { ServiceModel, Shape, ShapeRef } from "../model.js";
import { matchesPattern } from "../pattern.js";
import { SeededRandom } from "./seeded-random.js";

/**
 * Generates valid values of a model's shapes, for the round-trip test: every value satisfies the
 * shape's required members, enums, min/max, lengths and patterns, so that a client sends it and
 * a gateway accepts it unchanged. Seeded, so that a failure replays from its seed.
 *
 * Structures get every member down to `fullDepth` (deep enough that every shape reachable from
 * an operation of the mounted models is generated), then their required ones and a few optional
 * ones until `maxDepth`, then only required ones, which bounds recursive shapes. Strings come
 * from an alphabet with the characters that break naive codecs (XML and URL specials, non-ASCII,
 * an astral code point); a pattern's strings come from randexp and are checked with Berth's own
 * matcher (the model's Java-flavoured patterns are not JavaScript's), falling back to candidates.
 * What can't be generated is never dropped silently: it is recorded in `skipped`.
 */
// randexp is CommonJS (`module.exports = RandExp`) but its types declare an ES default export.
const RandExp = randexpModule as unknown as typeof randexpModule.default;
type RandExp = InstanceType<typeof RandExp>;

export interface GenerateOptions {
  /** Depth (0 = the operation's input or output) down to which optional members are included. */
  fullDepth?: number;
  /** Depth beyond which nothing optional is generated at all. */
  maxDepth?: number;
  /**
   * Whether the wire can carry an empty map or structure. awsQuery cannot: a form has no key for
   * either (an empty list is `Name=`, but a map or structure without entries writes nothing), so
   * for it every map and structure gets at least one entry.
   */
  emptyContainers?: boolean;
  /** Timestamps in whole seconds everywhere (botocore sends epoch seconds without milliseconds). */
  wholeSeconds?: boolean;
}

/** Where a top-level restJson1 member travels: it decides which characters and precision it can carry. */
type Place = "body" | "header" | "uri" | "querystring";

// Characters that trip codecs: XML's five specials, URL/form specials, non-ASCII, an astral
// code point (one character, two UTF-16 units), and spaces inside a value.
const ALPHABET = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", ..." -_.:/&<>\"'+=%?#,;é日😀"];
// HTTP header values: visible ASCII and inner spaces only (Node refuses anything else, and HTTP
// trims leading and trailing whitespace).
const HEADER_ALPHABET = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/&<>\"'+=%?#;"];
/** Strings tried for a pattern randexp cannot generate from. */
const CANDIDATES = ["a", "abc", "A1", "1", "123456789012", "arn:aws:iam::123456789012:role/a", "a-b_c.d", "sg-12345678", "2020-01-01T00:00:00Z", "*", "/"];

export class ShapeGenerator {
  readonly rng: SeededRandom;
  /** `Shape.member: reason` for every member that could not be generated (and so was left out). */
  readonly skipped = new Map<string, string>();
  private readonly fullDepth: number;
  private readonly maxDepth: number;
  private readonly emptyContainers: boolean;
  private readonly wholeSeconds: boolean;

  constructor(private readonly model: ServiceModel, seed: number, { fullDepth = 8, maxDepth = 10, emptyContainers = true, wholeSeconds = false }: GenerateOptions = {}) {
    this.wholeSeconds = wholeSeconds;
    this.rng = new SeededRandom(seed);
    this.fullDepth = fullDepth;
    this.maxDepth = maxDepth;
    this.emptyContainers = emptyContainers;
  }

  /** A value of the named structure shape (an operation's input, output or error). */
  structure(shapeName: string): Record<string, unknown> {
    return this.value({ shape: shapeName }, 0, "body") as Record<string, unknown>;
  }

  private shape(ref: ShapeRef): Shape {
    const s = this.model.shapes[ref.shape];
    if (!s) throw new Error(`model has no shape ${ref.shape}`);
    return s;
  }

  value(ref: ShapeRef, depth: number, place: Place): unknown {
    const shape = this.shape(ref);
    if (shape.document) return this.document();
    switch (shape.type) {
      case "structure":
        return this.struct(ref.shape, shape, depth);
      case "list": {
        const n = this.count(shape, depth, place);
        return Array.from({ length: n }, () => this.value(shape.member!, depth + 1, place));
      }
      case "map": {
        const n = this.count(shape, depth, this.emptyContainers ? place : "header");
        const out: Record<string, unknown> = {};
        for (let tries = 0; Object.keys(out).length < n && tries < n * 10; tries++) {
          const key = this.value(shape.key!, depth + 1, place === "querystring" ? "querystring" : place === "header" ? "header" : "body") as string;
          if (!Object.hasOwn(out, key)) out[key] = this.value(shape.value!, depth + 1, place);
        }
        return out;
      }
      case "string":
        return this.string(ref, shape, place);
      case "integer":
      case "long": {
        const limit = shape.type === "integer" ? 2 ** 31 - 1 : 2 ** 40;
        const lo = Math.max(shape.min ?? -limit, -limit);
        const hi = Math.min(shape.max ?? limit, limit);
        // Mostly small numbers, sometimes the bounds themselves.
        const r = this.rng.next();
        if (r < 0.1) return lo;
        if (r < 0.2) return hi;
        return this.rng.int(Math.max(lo, Math.min(hi, -100)), Math.min(hi, Math.max(lo, 100_000)));
      }
      case "double":
      case "float": {
        // Quarter steps: exact in binary, so a float32 on the wire (CBOR) carries them unchanged.
        const lo = Math.max(shape.min ?? -1e5, -1e5);
        const hi = Math.min(shape.max ?? 1e5, 1e5);
        return Math.min(hi, Math.max(lo, Math.round((lo + this.rng.next() * (hi - lo)) * 4) / 4));
      }
      case "boolean":
        return this.rng.chance(0.5);
      case "timestamp": {
        const format = ref.timestampFormat ?? shape.timestampFormat;
        const seconds = this.rng.int(946_684_800, 1_893_456_000); // 2000 to 2030
        // HTTP dates (headers, rfc822) carry whole seconds; every other form milliseconds.
        const wholeSeconds = this.wholeSeconds || place === "header" || format === "rfc822";
        return new Date(seconds * 1000 + (wholeSeconds ? 0 : this.rng.int(0, 999)));
      }
      case "blob": {
        const n = this.rng.int(Math.max(shape.min ?? 0, 1), Math.min(shape.max ?? 16, 16));
        return Buffer.from(Array.from({ length: n }, () => this.rng.int(0, 255)));
      }
    }
    throw new Error(`unsupported shape type ${(shape as Shape).type}`);
  }

  private struct(name: string, shape: Shape, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const members = Object.entries(shape.members ?? {});
    const required = new Set(shape.required ?? []);
    if (shape.union) {
      // A union carries exactly one member.
      const [member, ref] = this.rng.pick(members);
      this.member(out, name, member, ref, depth);
      return out;
    }
    for (const [member, ref] of members) {
      const include = required.has(member) || (depth < this.fullDepth) || (depth < this.maxDepth && this.rng.chance(0.3));
      if (include) this.member(out, name, member, ref, depth);
    }
    if (!this.emptyContainers && members.length && !Object.keys(out).length) {
      const [member, ref] = this.rng.pick(members);
      this.member(out, name, member, ref, depth);
    }
    return out;
  }

  private member(out: Record<string, unknown>, structName: string, member: string, ref: ShapeRef, depth: number) {
    // A status-code member is the response's HTTP status, not data a client round-trips.
    if (ref.location === "statusCode") {
      out[member] = this.rng.pick([200, 201, 202]);
      return;
    }
    const place: Place = ref.location === "header" || ref.location === "headers" ? "header" : ref.location === "uri" ? "uri" : ref.location === "querystring" ? "querystring" : "body";
    try {
      out[member] = this.value(ref, depth + 1, depth === 0 ? place : "body");
    } catch (err) {
      if (!(err instanceof CannotGenerate)) throw err;
      this.skipped.set(`${structName}.${member}`, err.message);
    }
  }

  /**
   * How many items a list or map gets: within its limits, small, sometimes none, except in a
   * header or query string, where an empty list has no form (restJson1 sends nothing for it).
   */
  private count(shape: Shape, depth: number, place: Place): number {
    const min = Math.max(shape.min ?? 0, place === "header" || place === "querystring" ? 1 : 0);
    const max = Math.min(shape.max ?? 3, min + 2, depth >= this.fullDepth ? Math.max(min, 1) : 3);
    if (min === 0 && this.rng.chance(0.15)) return 0;
    return this.rng.int(Math.max(min, 1), Math.max(max, Math.max(min, 1)));
  }

  private string(ref: ShapeRef, shape: Shape, place: Place): string {
    if (shape.enum) return this.rng.pick(shape.enum);
    const min = Math.max(shape.min ?? 0, place === "uri" ? 1 : 0);
    const max = Math.min(shape.max ?? Math.max(min + 16, 16), Math.max(min + 16, 16));
    const fits = (s: string) => {
      const n = [...s].length;
      return n >= min && n <= (shape.max ?? Infinity) && (!shape.pattern || matchesPattern(shape.pattern, s)) && (place !== "header" || /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s) || s === "");
    };
    if (!shape.pattern) {
      const alphabet = place === "header" ? HEADER_ALPHABET : ALPHABET;
      for (let tries = 0; tries < 20; tries++) {
        const s = Array.from({ length: this.rng.int(min, max) }, () => this.rng.pick(alphabet)).join("");
        if (fits(s)) return s;
      }
      throw new CannotGenerate(`no string of ${min} to ${max} characters for ${ref.shape}`);
    }
    const fromPattern = this.fromPattern(shape.pattern, min, max);
    for (let tries = 0; fromPattern && tries < 30; tries++) {
      const s = fromPattern();
      if (fits(s)) return s;
    }
    const candidate = CANDIDATES.find(fits);
    if (candidate !== undefined) return candidate;
    throw new CannotGenerate(`pattern ${shape.pattern} of ${ref.shape}: neither randexp nor a candidate string matches`);
  }

  private readonly randexps = new Map<string, RandExp | null>();

  /** A generator of strings for a model pattern, or undefined when randexp cannot read it. */
  private fromPattern(pattern: string, minLength: number, maxLength: number): (() => string) | undefined {
    let gen = this.randexps.get(pattern);
    if (gen === undefined) {
      try {
        gen = new RandExp(javaToJs(pattern));
        gen.randInt = (a: number, b: number) => this.rng.int(a, b);
      } catch {
        gen = null;
      }
      this.randexps.set(pattern, gen);
    }
    if (!gen) return undefined;
    const g = gen;
    return () => {
      // Open repeats (`*`, `+`) run up to `max` past their minimum: enough for the shape's
      // minimum length, short enough for its maximum most of the time.
      g.max = this.rng.int(Math.max(1, minLength), Math.max(1, Math.min(maxLength, minLength + 12)));
      return g.gen();
    };
  }

  private document(): unknown {
    return { name: this.rng.pick(["a", "b"]), count: this.rng.int(0, 9), on: this.rng.chance(0.5), list: ["x", 1.5] };
  }
}

export class CannotGenerate extends Error {}

/** The few Java regex spellings of the models that JavaScript (and so randexp) spells otherwise. */
function javaToJs(pattern: string): string {
  return pattern.replace(/\\p\{Print\}/g, "\\x20-\\x7E").replace(/\\A/g, "^").replace(/\\[zZ]/g, "$");
}
