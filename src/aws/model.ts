import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The botocore JSON model format: the single source of shapes, required members and limits. */
export interface ShapeRef {
  shape: string;
  /** Wire name: the XML element or query key (awsQuery), the header, label or query key (restJson1). */
  locationName?: string;
  /** Where a restJson1 member travels: uri (label), querystring, header, headers (prefix), statusCode. */
  location?: "uri" | "querystring" | "header" | "headers" | "statusCode";
  /** awsQuery/XML: a list or map written without its wrapper element (`Name.N` instead of `Name.member.N`). */
  flattened?: boolean;
  xmlNamespace?: { uri: string; prefix?: string };
  /** awsQuery on the output: the element wrapping the result (`<OpResult>`). */
  resultWrapper?: string;
  timestampFormat?: TimestampFormat;
  idempotencyToken?: boolean;
}

export type TimestampFormat = "iso8601" | "unixTimestamp" | "rfc822";

export interface Shape {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "boolean" | "timestamp" | "blob" | "double" | "float";
  members?: Record<string, ShapeRef>;
  /** A value (a secret, a password) that error messages must never quote. */
  sensitive?: boolean;
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
  /** restJson1: the member sent as the whole HTTP body. */
  payload?: string;
  flattened?: boolean;
  locationName?: string;
  xmlNamespace?: { uri: string; prefix?: string };
  timestampFormat?: TimestampFormat;
  union?: boolean;
}

export interface Operation {
  name: string;
  /** restJson1 routes by method and requestUri (`/clusters/{name}`, `{Key+}` greedy); responseCode is the success status. */
  http?: { method: string; requestUri: string; responseCode?: number };
  input?: ShapeRef;
  output?: ShapeRef;
  errors?: ShapeRef[];
  /** `none` (botocore) or `smithy.api#noAuth` (Smithy): the operation is called unsigned (STS AssumeRoleWithWebIdentity). */
  authtype?: string;
  auth?: string[];
}

export interface ServiceModel {
  metadata: {
    targetPrefix?: string;
    jsonVersion?: string;
    protocol: string;
    signingName?: string;
    endpointPrefix: string;
    serviceId: string;
    apiVersion?: string;
    /** Every protocol the service speaks, preferred first (CloudWatch: smithy-rpc-v2-cbor, json, query). */
    protocols?: string[];
    xmlNamespace?: string;
    /** JSON and CBOR services that were query services once also answer `x-amzn-query-error`. */
    awsQueryCompatible?: Record<string, never>;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

export const modelsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "models");

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

/** Whether the model says the operation is called without a signature. */
export const isUnsigned = (operation: Operation) => operation.authtype === "none" || (operation.auth?.includes("smithy.api#noAuth") ?? false);

/** The name the credential scope of a SigV4 request to this service carries. */
export const signingNameOf = (model: ServiceModel) => model.metadata.signingName ?? model.metadata.endpointPrefix;

const memberLists = new WeakMap<Shape, ReadonlyArray<readonly [string, ShapeRef]>>();

/**
 * A structure's members as [name, ref] pairs, made once per shape: the codecs walk them on every
 * request, and Object.entries would allocate the pairs again each time.
 */
export function membersOf(shape: Shape): ReadonlyArray<readonly [string, ShapeRef]> {
  let members = memberLists.get(shape);
  if (members === undefined) {
    members = Object.entries(shape.members ?? {});
    memberLists.set(shape, members);
  }
  return members;
}
