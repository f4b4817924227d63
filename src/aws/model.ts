import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The botocore JSON model format: the single source of shapes, required members and limits. */
export interface ShapeRef {
  shape: string;
  locationName?: string;
  idempotencyToken?: boolean;
}

export interface Shape {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "boolean" | "timestamp" | "blob" | "double" | "float";
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  exception?: boolean;
  fault?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  document?: boolean;
}

export interface Operation {
  name: string;
  input?: ShapeRef;
  output?: ShapeRef;
  errors?: ShapeRef[];
}

export interface ServiceModel {
  metadata: {
    targetPrefix?: string;
    jsonVersion?: string;
    protocol: string;
    signingName?: string;
    endpointPrefix: string;
    serviceId: string;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "models");

const cache = new Map<string, ServiceModel>();

/** Loads models/<name>.json (copied from botocore; see models/NOTICE). */
export function loadModel(name: string): ServiceModel {
  let m = cache.get(name);
  if (!m) {
    m = JSON.parse(readFileSync(join(modelsDir, `${name}.json`), "utf8")) as ServiceModel;
    cache.set(name, m);
  }
  return m;
}
