import type { HTTPMethods } from "fastify";
import { ServiceError } from "../../core/errors.js";
import { signingNameOf, type Operation, type ServiceModel, type Shape } from "../model.js";
import { serializeOutput, toDate } from "../serialize-output.js";
import { clip, type AwsService } from "../service.js";
import { scopeService, type Codec, type WireRequest, type WireResponse } from "./codec.js";
import { decodeJsonBody } from "./aws-json.js";
import { messageMemberOf, wireError } from "./error-shape.js";
import { textValue } from "./text-value.js";

/** restJson1 services answer signature problems with 403 (their front end is API Gateway's). */
const AUTH_STATUS: Record<string, number> = { InvalidSignatureException: 403, IncompleteSignatureException: 403, UnrecognizedClientException: 403 };

const serialization = (message: string) => new ServiceError("SerializationException", message);

/**
 * restJson1: each operation has its own method and path (`GET /clusters/{name}`); members travel
 * in URI labels (`{Key+}` greedy, across slashes), the query string, headers (`location: headers`
 * takes every header with a prefix), the body as JSON, or as the whole body when the input names
 * a `payload` member. Errors carry `x-amzn-errortype` and the model's HTTP status.
 */
export const restJson: Codec = {
  name: "restJson1",
  validation: { serialization: "SerializationException", invalid: "ValidationException" },
  unknownOperation: "UnknownOperationException",
  decodeInput(service, operation, req) {
    const { model } = service;
    const shape = model.shapes[operation.input!.shape]!;
    const q = req.url.indexOf("?");
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : req.url.slice(q + 1));
    const labels = matchUri(parseUri(operation.http!.requestUri), path) ?? {};
    const out: Record<string, unknown> = {};
    const bodyMembers: string[] = [];
    const bound = new Set<string>();
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const wireName = ref.locationName ?? name;
      const memberShape = model.shapes[ref.shape]!;
      if (ref.location === "uri") {
        if (Object.hasOwn(labels, wireName)) out[name] = textValue(memberShape, labels[wireName]!, name, serialization);
      } else if (ref.location === "querystring") {
        if (memberShape.type === "map") continue; // the rest of the query string, once the named ones are known
        bound.add(wireName);
        const values = query.getAll(wireName);
        if (!values.length) continue;
        out[name] = memberShape.type === "list"
          ? values.map((v, i) => textValue(model.shapes[memberShape.member!.shape]!, v, `${name}[${i}]`, serialization))
          : textValue(memberShape, values[0]!, name, serialization);
      } else if (ref.location === "header") {
        const value = header(req, wireName);
        if (value === undefined) continue;
        out[name] = memberShape.type === "list"
          ? value.split(",").map((v, i) => textValue(model.shapes[memberShape.member!.shape]!, v.trim(), `${name}[${i}]`, serialization))
          : textValue(memberShape, value, name, serialization);
      } else if (ref.location === "headers") {
        const prefix = wireName.toLowerCase();
        const map: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (k.startsWith(prefix) && v !== undefined) map[k.slice(prefix.length)] = Array.isArray(v) ? v.join(",") : v;
        }
        if (Object.keys(map).length) out[name] = map;
      } else if (shape.payload === name) {
        if (req.body.length === 0) continue;
        out[name] = memberShape.type === "blob" ? req.body : memberShape.type === "string" ? req.body.toString("utf8") : decodeJsonBody(req.body);
      } else bodyMembers.push(name);
    }
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      if (ref.location !== "querystring" || model.shapes[ref.shape]!.type !== "map") continue;
      const map: Record<string, string | string[]> = {};
      for (const key of new Set(query.keys())) {
        if (bound.has(key)) continue;
        const valueShape = model.shapes[model.shapes[ref.shape]!.value!.shape]!;
        map[key] = valueShape.type === "list" ? query.getAll(key) : query.get(key)!;
      }
      if (Object.keys(map).length) out[name] = map;
    }
    if (bodyMembers.length && !shape.payload) {
      const body = decodeJsonBody(req.body);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw serialization("The request body must be a JSON object.");
      for (const name of bodyMembers) if (Object.hasOwn(body, name)) out[name] = (body as Record<string, unknown>)[name];
    }
    return out;
  },
  encodeOutput(service, operation, output) {
    const headers: Record<string, string> = {};
    let status = operation.http?.responseCode ?? 200;
    if (!operation.output) return { status, headers: { "content-type": "application/json" }, body: "{}" };
    const { model } = service;
    const shape = model.shapes[operation.output.shape]!;
    const value = (output ?? {}) as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const v = Object.hasOwn(value, name) ? value[name] : undefined;
      if (v === undefined || v === null) continue;
      const memberShape = model.shapes[ref.shape]!;
      if (ref.location === "header") headers[(ref.locationName ?? name).toLowerCase()] = headerText(model, memberShape, v);
      else if (ref.location === "headers") {
        for (const [k, hv] of Object.entries(v as Record<string, unknown>)) headers[`${(ref.locationName ?? "").toLowerCase()}${k}`] = String(hv);
      } else if (ref.location === "statusCode") status = Number(v);
      else if (shape.payload === name) {
        if (memberShape.type === "blob" || memberShape.type === "string") {
          return { status, headers: { "content-type": memberShape.type === "blob" ? "application/octet-stream" : "text/plain", ...headers }, body: memberShape.type === "blob" ? Buffer.from(v as Uint8Array) : String(v) };
        }
        return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(serializeOutput(model, ref.shape, v) ?? {}) };
      } else body[name] = v;
    }
    const members = Object.fromEntries(Object.entries(shape.members ?? {}).filter(([, ref]) => !ref.location));
    const json = serializeOutput({ ...model, shapes: { ...model.shapes, [BODY]: { type: "structure", members } } }, BODY, body);
    return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(json ?? {}) };
  },
  encodeError(service, error) {
    const wire = wireError(service?.model, error);
    const status = !wire.shape && Object.hasOwn(AUTH_STATUS, wire.code) ? AUTH_STATUS[wire.code]! : wire.status;
    const messageName = messageMemberOf(wire.shape);
    return {
      status,
      headers: { "x-amzn-errortype": wire.code, "content-type": "application/json" },
      body: JSON.stringify({ ...error.fields, [messageName]: error.message }),
    };
  },
};

/** A synthetic shape name for an output's body members alone. */
const BODY = "\u0000body";

const header = (req: WireRequest, name: string) => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
};

/** Headers carry timestamps as HTTP dates and lists comma-separated. */
function headerText(model: ServiceModel, shape: Shape, value: unknown): string {
  if (shape.type === "timestamp") return toDate(value).toUTCString();
  if (shape.type === "list") return (value as unknown[]).map((v) => headerText(model, model.shapes[shape.member!.shape]!, v)).join(", ");
  if (shape.type === "blob") return Buffer.from(value as Uint8Array).toString("base64");
  return String(value);
}

type Segment = { literal: string } | { label: string; greedy: boolean };
interface Uri {
  segments: Segment[];
  /** Literal query parameters a requestUri may carry (`/path?versions`, `?action=x`). */
  query: [string, string | undefined][];
}

function parseUri(requestUri: string): Uri {
  const [path, query = ""] = requestUri.split("?", 2) as [string, string?];
  const segments = path.split("/").filter(Boolean).map((s): Segment => {
    const m = /^\{([^}+]+)(\+)?\}$/.exec(s);
    return m ? { label: m[1]!, greedy: m[2] === "+" } : { literal: s };
  });
  const literals = query.split("&").filter(Boolean).map((p): [string, string | undefined] => {
    const eq = p.indexOf("=");
    return eq < 0 ? [p, undefined] : [p.slice(0, eq), p.slice(eq + 1)];
  });
  return { segments, query: literals };
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** The labels of a path that matches the template, or undefined. */
function matchUri(uri: Uri, path: string): Record<string, string> | undefined {
  const parts = path.split("/").filter(Boolean);
  const labels: Record<string, string> = {};
  for (let i = 0; i < uri.segments.length; i++) {
    const seg = uri.segments[i]!;
    if ("literal" in seg) {
      if (parts[i] !== seg.literal) return undefined;
      continue;
    }
    const raw = seg.greedy ? parts.slice(i).join("/") : parts[i];
    const value = raw === undefined || raw === "" ? undefined : decode(raw);
    if (value === undefined) return undefined;
    labels[seg.label] = value;
    if (seg.greedy) return labels;
  }
  return parts.length === uri.segments.length ? labels : undefined;
}

/**
 * The restJson1 routes of every mounted service. Fastify routes by method and path shape, with
 * labels as positional parameters so that two services' `/tags/{resourceArn}` share one route;
 * among the operations behind a route the literal query parameters, then the credential scope's
 * service, choose.
 */
export class RestRouter {
  private readonly byRoute = new Map<string, { service: AwsService; operation: Operation; uri: Uri }[]>();

  constructor(services: AwsService[]) {
    for (const service of services) {
      for (const operation of Object.values(service.model.operations)) {
        if (!operation.http) continue;
        const uri = parseUri(operation.http.requestUri);
        let n = 0;
        const url = "/" + uri.segments.map((s) => ("literal" in s ? s.literal.replace(/:/g, "::") : s.greedy ? "*" : `:p${n++}`)).join("/");
        const key = `${operation.http.method} ${url}`;
        const list = this.byRoute.get(key) ?? [];
        list.push({ service, operation, uri });
        this.byRoute.set(key, list);
      }
    }
  }

  routes(): { method: HTTPMethods; url: string }[] {
    return [...this.byRoute.keys()].map((k) => {
      const space = k.indexOf(" ");
      return { method: k.slice(0, space) as HTTPMethods, url: k.slice(space + 1) };
    });
  }

  route(req: WireRequest): { service: AwsService; operation: Operation } {
    const q = req.url.indexOf("?");
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : req.url.slice(q + 1));
    const candidates = [...this.byRoute.values()].flat().filter((c) =>
      c.operation.http!.method === req.method &&
      c.uri.query.every(([k, v]) => (v === undefined ? query.has(k) : query.get(k) === v)) &&
      matchUri(c.uri, path) !== undefined);
    // The most literal query parameters wins (`?versions` over none), as a more specific route.
    const best = Math.max(...candidates.map((c) => c.uri.query.length));
    let chosen = candidates.filter((c) => c.uri.query.length === best);
    if (chosen.length > 1) {
      const scoped = scopeService(req);
      chosen = chosen.filter((c) => signingNameOf(c.service.model) === scoped);
      if (chosen.length !== 1) {
        const names = candidates.map((c) => signingNameOf(c.service.model)).join(", ");
        throw new ServiceError("UnknownOperationException", `${req.method} ${clip(path)} is an operation of several services here (${names}); sign the request so that its credential scope names one.`);
      }
    }
    if (!chosen.length) throw new ServiceError("UnknownOperationException", `No operation matches ${req.method} ${clip(path)}.`, true, {}, 404);
    return chosen[0]!;
  }
}


export type { WireResponse };
