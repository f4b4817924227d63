import { CredentialError, ServiceError } from "../../core/errors.js";
import { signingNameOf, type Operation } from "../model.js";
import { clip, own, type AwsService } from "../service.js";
import { scopeService, type Codec, type WireRequest } from "./codec.js";
import { QUERY_AUTH_ERRORS, wireError } from "./error-shape.js";
import { readQueryForm } from "./query-form.js";
import { buildXml, toXml } from "./query-xml.js";

const FORM = "application/x-www-form-urlencoded";
const utf8 = new TextDecoder("utf-8", { fatal: true });


/** Whether a request speaks awsQuery: a form body, or (GET) an Action in the query string. */
export function isQueryRequest(req: Pick<WireRequest, "method" | "url" | "headers">): boolean {
  if (req.method === "POST") {
    const type = req.headers["content-type"];
    return typeof type === "string" && type.split(";")[0]!.trim().toLowerCase() === FORM;
  }
  return new URLSearchParams(queryOf(req.url)).has("Action");
}

const queryOf = (url: string) => {
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
};

/** Each request's form, read once: routing (Action) and decoding (the input) both need it. */
const formsRead = new WeakMap<WireRequest, URLSearchParams>();

/** The form's parameters: the body's, and for GET (which query services accept) the URL's. */
export function formParams(req: WireRequest): URLSearchParams {
  let params = formsRead.get(req);
  if (!params) {
    params = readForm(req);
    for (const [k, v] of Object.entries(req.defaults ?? {})) if (!params.has(k)) params.set(k, v);
    formsRead.set(req, params);
  }
  return params;
}

function readForm(req: WireRequest): URLSearchParams {
  if (req.method !== "POST") return new URLSearchParams(queryOf(req.url));
  try {
    return new URLSearchParams(utf8.decode(req.body));
  } catch {
    throw new ServiceError("MalformedInput", "The request body is not valid UTF-8.");
  }
}

/**
 * awsQuery: form-encoded `Action=Op&Version=...&Param=...`, answered in XML. Several services
 * share `POST /`: the credential scope of a signed request names the service; an unsigned one is
 * routed by its Action alone, and an Action two mounted services share must then be signed.
 */
export const awsQuery: Codec & { route: typeof routeQuery } = {
  name: "awsQuery",
  validation: { serialization: "ValidationError", invalid: "ValidationError" },
  unknownOperation: "InvalidAction",
  route: routeQuery,
  decodeInput(service, operation, req) {
    if (!operation.input) return {};
    const codes = { serialization: service.validation?.serialization ?? "ValidationError" };
    return readQueryForm(service.model, operation.input.shape, formParams(req), codes);
  },
  encodeOutput(service, operation, output, requestId) {
    const { model } = service;
    const response: Record<string, unknown> = {};
    if (model.metadata.xmlNamespace) response["@_xmlns"] = model.metadata.xmlNamespace;
    if (operation.output) {
      const result = toXml(model, { shape: operation.output.shape }, output ?? {});
      response[operation.output.resultWrapper ?? `${operation.name}Result`] = result ?? "";
    }
    response["ResponseMetadata"] = { RequestId: requestId };
    return xmlResponse(200, buildXml({ [`${operation.name}Response`]: response }));
  },
  encodeError(service, error, requestId) {
    const wire = wireError(service?.model, error, { useErrorCode: true });
    // Credential errors before the model's shapes: STS declares an ExpiredTokenException of its own
    // (for web identity tokens), while expired request credentials are ExpiredToken on every query service.
    const [code, status] = (!wire.shape || error instanceof CredentialError) && Object.hasOwn(QUERY_AUTH_ERRORS, error.code) ? QUERY_AUTH_ERRORS[error.code]! : [wire.code, wire.status];
    // A modelled error's members are written as its shape says (a list as <member> items, ...);
    // the fields of an error the model does not declare can only be text.
    const fields = wire.shape && service
      ? (toXml(service.model, { shape: error.code }, error.fields) as Record<string, unknown> | undefined) ?? {}
      : Object.fromEntries(Object.entries(error.fields).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]));
    const body: Record<string, unknown> = {};
    if (service?.model.metadata.xmlNamespace) body["@_xmlns"] = service.model.metadata.xmlNamespace;
    body["Error"] = { Type: wire.sender ? "Sender" : "Receiver", Code: code, Message: error.message, ...fields };
    body["RequestId"] = requestId;
    return xmlResponse(status, buildXml({ ErrorResponse: body }));
  },
};

const xmlResponse = (status: number, body: string) => ({ status, headers: { "content-type": "text/xml" }, body });

/** The service and operation of a query request, among the query services mounted. */
function routeQuery(services: AwsService[], req: WireRequest): { service: AwsService; operation: Operation } {
  const params = formParams(req);
  const action = params.get("Action");
  if (!action) throw new ServiceError("MissingAction", "The request must contain the parameter Action.");
  const scoped = scopeService(req);
  const bySigning = scoped === undefined ? undefined : services.find((s) => signingNameOf(s.model) === scoped);
  const candidates = bySigning ? [bySigning] : services.filter((s) => own(s.model.operations, action));
  if (candidates.length > 1) {
    const names = candidates.map((s) => signingNameOf(s.model)).join(", ");
    throw new ServiceError("InvalidAction", `The action ${clip(action)} is offered by several services here (${names}); sign the request so that its credential scope names one.`);
  }
  const service = candidates[0];
  const operation = service && own(service.model.operations, action);
  if (!service || !operation) {
    const version = params.get("Version");
    throw new ServiceError("InvalidAction", `Could not find operation ${clip(action)}${version ? ` for version ${clip(version, 32)}` : ""}.`);
  }
  return { service, operation };
}

