import { ServiceError } from "../core/errors.js";
import { membersOf, type ServiceModel, type Shape } from "./model.js";
import { matchesPattern } from "./pattern.js";
import { clip as clipTo } from "./service.js";

/**
 * Checks a decoded request body against the operation's input shape, as AWS's front end does
 * before a handler sees it: JSON types (SerializationException, as AWS JSON services answer),
 * then required members, lengths, ranges, enums and patterns (InvalidParameterException).
 * Returns a copy where nulls are dropped, timestamps are Dates and blobs Buffers; unknown members
 * are ignored, as AWS ignores them. Every protocol's decoder hands its values here: JSON's
 * (epoch numbers, base64 strings) as they are, the others' already as Dates and bytes.
 * The error codes differ between services (ECS: InvalidParameterException; query services:
 * ValidationError; CloudWatch: InvalidParameterValue), so they are the caller's to choose.
 */
export function validateInput(model: ServiceModel, shapeName: string, value: unknown, codes: ValidationCodes = {}): Record<string, unknown> {
  const serializationCode = codes.serialization ?? "SerializationException";
  const invalidCode = codes.invalid ?? "InvalidParameterException";
  const missingCode = codes.missing ?? invalidCode;
  errors = {
    serialization: (message) => new ServiceError(serializationCode, message),
    invalid: (message) => new ServiceError(invalidCode, message),
    missing: (message) => new ServiceError(missingCode, message),
  };
  return walk(model, shapeName, value, "") as Record<string, unknown>;
}

/** The codes of the two kinds of input error: a value of the wrong type, and a broken constraint. */
export interface ValidationCodes {
  serialization?: string;
  invalid?: string;
  /** A required member absent (CloudWatch: MissingParameter); the `invalid` code unless given. */
  missing?: string;
}

// Set by each (synchronous) validateInput call before it walks; plain functions keep walk small.
let errors: { serialization: (m: string) => ServiceError; invalid: (m: string) => ServiceError; missing: (m: string) => ServiceError };
const serialization = (message: string) => errors.serialization(message);
const invalid = (message: string) => errors.invalid(message);

/** Values quoted in validation messages are cut shorter than other echoed input. */
const clip = (s: string) => clipTo(s, 64);

const describe = (v: unknown) => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a structure";
  return `the ${typeof v} ${clip(typeof v === "number" ? String(v) : JSON.stringify(v) ?? String(v))}`;
};

/** Sets a data property even for keys such as `__proto__`, which plain assignment would swallow. */
const setOwn = (o: Record<string, unknown>, k: string, v: unknown) =>
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

/** ISO 8601 date-times, the only string form of a timestamp accepted. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

function walk(model: ServiceModel, shapeName: string, value: unknown, path: string): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) throw new Error(`model has no shape ${shapeName}`);
  if (shape.document) return value;
  const where = path || "request";
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw serialization(`Expected a structure for ${where}, found ${describe(value)}.`);
      }
      const out: Record<string, unknown> = {};
      const input = value as Record<string, unknown>;
      for (const [name, ref] of membersOf(shape)) {
        const v = Object.hasOwn(input, name) ? input[name] : undefined;
        if (v === undefined || v === null) continue;
        out[name] = walk(model, ref.shape, v, path ? `${path}.${name}` : name);
      }
      for (const name of shape.required ?? []) {
        if (out[name] === undefined) {
          throw errors.missing(`${path ? `${path}.${name}` : name} is required but was not provided.`);
        }
      }
      return out;
    }
    case "list": {
      if (!Array.isArray(value)) throw serialization(`Expected a list for ${where}, found ${describe(value)}.`);
      checkLength(shape, value.length, where, "item");
      return value.map((v, i) => {
        if (v === null) throw serialization(`Null is not allowed in the list ${where}.`);
        return walk(model, shape.member!.shape, v, `${where}[${i}]`);
      });
    }
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw serialization(`Expected a map for ${where}, found ${describe(value)}.`);
      }
      const out: Record<string, unknown> = {};
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(shape, entries.length, where, "entry");
      for (const [k, v] of entries) {
        if (v === null) continue;
        walk(model, shape.key!.shape, k, `${where} key`);
        setOwn(out, k, walk(model, shape.value!.shape, v, `${where}.${clip(k)}`));
      }
      return out;
    }
    case "string": {
      if (typeof value !== "string") throw serialization(`Expected a string for ${where}, found ${shape.sensitive ? "another type" : describe(value)}.`);
      // Lengths count code points; counting them costs a copy, so only where the UTF-16 length
      // (at most twice the code points, never fewer) cannot settle it.
      if ((shape.min !== undefined && Math.ceil(value.length / 2) < shape.min) || (shape.max !== undefined && value.length > shape.max)) {
        checkLength(shape, [...value].length, where, "character");
      }
      if (shape.enum && !shape.enum.includes(value)) {
        // AWS's own wording (its front end's), which tools and tests written against AWS match.
        const shown = shape.sensitive ? "(sensitive value)" : clip(value);
        throw invalid(`1 validation error detected: Value '${shown}' at '${awsPath(where)}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      }
      if (shape.pattern && !fullMatch(shape.pattern, value)) {
        // A sensitive value (SecretString, a parameter's Value) is never quoted back.
        const quoted = shape.sensitive ? "(sensitive value)" : JSON.stringify(clip(value));
        throw invalid(`${where} ${quoted} does not match the pattern ${shape.pattern}.`);
      }
      return value;
    }
    case "integer":
    case "long": {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw serialization(`Expected an integer for ${where}, found ${describe(value)}.`);
      }
      const [lo, hi] = shape.type === "integer" ? [-(2 ** 31), 2 ** 31 - 1] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      if (value < lo || value > hi) throw serialization(`The number ${value} for ${where} is out of range for ${shape.type === "integer" ? "an integer" : "a long"}.`);
      checkRange(shape, value, where);
      return value;
    }
    case "double":
    case "float": {
      if (typeof value !== "number" || !Number.isFinite(value)) throw serialization(`Expected a number for ${where}, found ${describe(value)}.`);
      checkRange(shape, value, where);
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") throw serialization(`Expected a boolean for ${where}, found ${describe(value)}.`);
      return value;
    case "timestamp": {
      // JSON protocols send epoch seconds; ISO 8601 strings are accepted too, as AWS does.
      // Rounded to milliseconds: 1087280371.018 * 1000 is 1087280371017.9999, which a Date truncates.
      // The other protocols' decoders have made Dates already.
      const d = value instanceof Date ? value : typeof value === "number" ? new Date(Math.round(value * 1000)) : typeof value === "string" && ISO_8601.test(value) ? new Date(value) : undefined;
      if (!d || Number.isNaN(d.getTime())) throw serialization(`Expected a timestamp for ${where}, found ${describe(value)}.`);
      return d;
    }
    case "blob": {
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
        throw serialization(`Expected base64 data for ${where}.`);
      }
      return Buffer.from(value, "base64");
    }
  }
  throw new Error(`unsupported shape type ${(shape as Shape).type}`);
}

/**
 * A member's path as AWS's validation messages write it: list items are 1-based and named
 * `member` (`settings.1.member.name` for `settings[0].name`), map values `entry.value`.
 */
function awsPath(where: string): string {
  return where.replace(/\[(\d+)\]/g, (_, i: string) => `.${Number(i) + 1}.member`);
}

function checkLength(shape: Shape, length: number, where: string, unit: "item" | "entry" | "character") {
  const units = (n: number) => `${n} ${n === 1 ? unit : unit === "entry" ? "entries" : `${unit}s`}`;
  if (shape.min !== undefined && length < shape.min) throw invalid(`${where} must have at least ${units(shape.min)}.`);
  if (shape.max !== undefined && length > shape.max) throw invalid(`${where} must have at most ${units(shape.max)}.`);
}

function checkRange(shape: Shape, value: number, where: string) {
  if (shape.min !== undefined && value < shape.min) throw invalid(`${where} must be at least ${shape.min}.`);
  if (shape.max !== undefined && value > shape.max) throw invalid(`${where} must be at most ${shape.max}.`);
}

function fullMatch(pattern: string, value: string): boolean {
  return matchesPattern(pattern, value);
}
