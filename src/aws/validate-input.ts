import { ServiceError } from "../core/errors.js";
import type { ServiceModel, Shape } from "./model.js";

/**
 * Checks a decoded request body against the operation's input shape, as AWS's front end does
 * before a handler sees it: JSON types (SerializationException, as AWS JSON services answer),
 * then required members, lengths, ranges, enums and patterns (InvalidParameterException).
 * Returns a copy where nulls are dropped and timestamps are Dates; unknown members are
 * ignored, as AWS ignores them.
 */
export function validateInput(model: ServiceModel, shapeName: string, value: unknown): Record<string, unknown> {
  return walk(model, shapeName, value, "") as Record<string, unknown>;
}

const serialization = (message: string) => new ServiceError("SerializationException", message);
const invalid = (message: string) => new ServiceError("InvalidParameterException", message);

const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a structure" : `the ${typeof v} ${JSON.stringify(v)}`);

function walk(model: ServiceModel, shapeName: string, value: unknown, path: string): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) throw new Error(`model has no shape ${shapeName}`);
  const where = path || "request";
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw serialization(`Expected a structure for ${where}, found ${describe(value)}.`);
      }
      const out: Record<string, unknown> = {};
      const input = value as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const v = input[name];
        if (v === undefined || v === null) continue;
        out[name] = walk(model, ref.shape, v, path ? `${path}.${name}` : name);
      }
      for (const name of shape.required ?? []) {
        if (out[name] === undefined) {
          throw invalid(`${path ? `${path}.${name}` : name} is required but was not provided.`);
        }
      }
      return out;
    }
    case "list": {
      if (!Array.isArray(value)) throw serialization(`Expected a list for ${where}, found ${describe(value)}.`);
      checkLength(shape, value.length, where, "items");
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
      checkLength(shape, entries.length, where, "entries");
      for (const [k, v] of entries) {
        if (v === null) continue;
        walk(model, shape.key!.shape, k, `${where} key`);
        out[k] = walk(model, shape.value!.shape, v, `${where}.${k}`);
      }
      return out;
    }
    case "string": {
      if (typeof value !== "string") throw serialization(`Expected a string for ${where}, found ${describe(value)}.`);
      checkLength(shape, [...value].length, where, "characters");
      if (shape.enum && !shape.enum.includes(value)) {
        throw invalid(`${where} must be one of: ${shape.enum.join(", ")}. Found ${JSON.stringify(value)}.`);
      }
      if (shape.pattern && !fullMatch(shape.pattern, value)) {
        throw invalid(`${where} ${JSON.stringify(value)} does not match the pattern ${shape.pattern}.`);
      }
      return value;
    }
    case "integer":
    case "long": {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw serialization(`Expected an integer for ${where}, found ${describe(value)}.`);
      }
      const [lo, hi] = shape.type === "integer" ? [-(2 ** 31), 2 ** 31 - 1] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      if (value < lo || value > hi) throw serialization(`The number ${value} for ${where} is out of range for a ${shape.type}.`);
      checkRange(shape, value, where);
      return value;
    }
    case "double":
    case "float": {
      if (typeof value !== "number") throw serialization(`Expected a number for ${where}, found ${describe(value)}.`);
      checkRange(shape, value, where);
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") throw serialization(`Expected a boolean for ${where}, found ${describe(value)}.`);
      return value;
    case "timestamp": {
      // JSON protocols send epoch seconds; ISO 8601 strings are accepted too, as AWS does.
      const d = typeof value === "number" ? new Date(value * 1000) : typeof value === "string" ? new Date(value) : undefined;
      if (!d || Number.isNaN(d.getTime())) throw serialization(`Expected a timestamp for ${where}, found ${describe(value)}.`);
      return d;
    }
    case "blob": {
      if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
        throw serialization(`Expected base64 data for ${where}.`);
      }
      return Buffer.from(value, "base64");
    }
  }
  if (shape.document) return value;
  throw new Error(`unsupported shape type ${(shape as Shape).type}`);
}

function checkLength(shape: Shape, length: number, where: string, unit: string) {
  if (shape.min !== undefined && length < shape.min) throw invalid(`${where} must have at least ${shape.min} ${unit}.`);
  if (shape.max !== undefined && length > shape.max) throw invalid(`${where} must have at most ${shape.max} ${unit}.`);
}

function checkRange(shape: Shape, value: number, where: string) {
  if (shape.min !== undefined && value < shape.min) throw invalid(`${where} must be at least ${shape.min}.`);
  if (shape.max !== undefined && value > shape.max) throw invalid(`${where} must be at most ${shape.max}.`);
}

const patterns = new Map<string, RegExp>();
function fullMatch(pattern: string, value: string): boolean {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, "u");
    patterns.set(pattern, re);
  }
  return re.test(value);
}
