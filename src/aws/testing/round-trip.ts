import { ServiceError } from "../../core/errors.js";
import type { Operation, ServiceModel } from "../model.js";
import { canonical, firstDifference } from "./canonical.js";
import type { EchoService } from "./echo-gateway.js";
import { ShapeGenerator, type GenerateOptions } from "./generate-shapes.js";
import { seedFor } from "./seeded-random.js";

/** The client side of a round trip: sends one operation with an input, answers the parsed output. */
export type Send = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** How a client's view of a value legitimately differs from what was generated (each rule says why). */
export interface Rules {
  /** The input as the handler should receive it, given what the client was asked to send. */
  input?: (operation: Operation, sent: Record<string, unknown>) => Record<string, unknown>;
  /** The output as the client should parse it, given what the handler returned. */
  output?: (operation: Operation, returned: Record<string, unknown>) => Record<string, unknown>;
  /** The name of the error the client raises when the handler throws the given error shape. */
  errorName?: (errorShape: string) => string;
  /** The code the client reports beside the name (a query-compatible service's query code). */
  errorCode?: (errorShape: string) => string;
}

/** A modelled error as the client raised it. */
export interface RaisedError {
  name: string;
  /** The error's code as the client reports it, where it reports one apart from the name. */
  code?: string;
  message: string;
  fields: Record<string, unknown>;
}

export interface Report {
  operations: number;
  errors: number;
  failures: string[];
  /** `Shape.member: reason` of members the generator could not fill. */
  skipped: Map<string, string>;
}

/** One error of an operation as the handler throws it: the message member apart, the rest as fields. */
export function generatedError(model: ServiceModel, gen: ShapeGenerator, errorShape: string) {
  const value = gen.structure(errorShape);
  const messageMember = Object.keys(model.shapes[errorShape]!.members ?? {}).find((m) => m.toLowerCase() === "message");
  // Never empty: the SDKs replace an empty message by a default ("UnknownError"), and AWS's
  // errors always carry one.
  const generated = messageMember ? value[messageMember] : undefined;
  const message = typeof generated === "string" && generated !== "" ? generated : `${errorShape} from the echo handler`;
  const fields = Object.fromEntries(Object.entries(value).filter(([k]) => k !== messageMember));
  return { error: new ServiceError(errorShape, message, true, fields), message, fields, messageMember };
}

/**
 * For every operation of the model: generates a valid input, sends it with the client, checks the
 * handler received exactly that; has the handler return a generated valid output and checks the
 * client parsed exactly that; then, for every modelled error of the operation, has the handler
 * throw it with generated fields and checks the client raised that error with those fields.
 * Every mismatch is collected (not just the first), so one run shows all that differs.
 */
export async function roundTrip(opts: {
  model: ServiceModel;
  echo: EchoService;
  send: Send;
  /** Turns what the client threw into the error it names, or undefined if it was not one. */
  raised: (err: unknown, errorShape: string) => RaisedError | undefined;
  seed: number;
  rules?: Rules;
  operations?: string[];
  /** How inputs are generated for this protocol (see GenerateOptions). */
  inputOptions?: GenerateOptions;
  /** Whether to check every modelled error, or only the first (a sample, for slower clients). */
  allErrors?: boolean;
  /** How many generated inputs and outputs each operation round-trips (errors: once). */
  rounds?: number;
}): Promise<Report> {
  const { model, echo, send, raised, seed, rules = {}, allErrors = true, rounds = 1 } = opts;
  const report: Report = { operations: 0, errors: 0, failures: [], skipped: new Map() };
  const fail = (op: string, what: string) => report.failures.push(`${model.metadata.serviceId} ${op} (seed ${seed}): ${what}`);
  for (const name of opts.operations ?? Object.keys(model.operations)) {
    const operation = model.operations[name]!;
    report.operations++;
    let input: Record<string, unknown> = {};
    let gen: ShapeGenerator | undefined;
    for (let round = 0; round < rounds; round++) {
      const tag = round ? `${name}#${round}` : name;
      const inputs = new ShapeGenerator(model, seedFor(seed, tag), opts.inputOptions);
      gen = new ShapeGenerator(model, seedFor(seed, `${tag} output`));
      input = operation.input ? inputs.structure(operation.input.shape) : {};
      const output = operation.output ? gen.structure(operation.output.shape) : {};
      for (const [k, v] of [...inputs.skipped, ...gen.skipped]) report.skipped.set(k, v);
      echo.received.length = 0;
      echo.next = { output };
      try {
        const parsed = await send(name, structuredClone(input));
        const want = rules.input ? rules.input(operation, input) : input;
        const got = echo.received.length === 1 ? echo.received[0]!.input : undefined;
        const inDiff = got === undefined ? `the handler was called ${echo.received.length} times` : firstDifference(canonical(got), canonical(want));
        if (inDiff) fail(tag, `input differs: ${inDiff}`);
        const outWant = rules.output ? rules.output(operation, output) : output;
        const outDiff = firstDifference(canonical(parsed), canonical(outWant));
        if (outDiff) fail(tag, `output differs: ${outDiff}`);
      } catch (err) {
        fail(tag, `call failed: ${(err as Error).name}: ${(err as Error).message}`);
      }
    }

    for (const ref of (allErrors ? operation.errors : operation.errors?.slice(0, 1)) ?? []) {
      const { error, message, fields } = generatedError(model, gen!, ref.shape);
      echo.next = { error };
      report.errors++;
      try {
        await send(name, structuredClone(input));
        fail(name, `${ref.shape}: the client raised no error`);
      } catch (err) {
        const got = raised(err, ref.shape);
        if (!got) {
          fail(name, `${ref.shape}: the client failed otherwise: ${(err as Error).name}: ${(err as Error).message}`);
          continue;
        }
        const expected = rules.errorName ? rules.errorName(ref.shape) : ref.shape;
        if (got.name !== expected) fail(name, `${ref.shape}: the client raised ${got.name}${expected !== ref.shape ? ` (expected ${expected})` : ""}`);
        const code = rules.errorCode?.(ref.shape);
        if (code !== undefined && got.code !== code) fail(name, `${ref.shape}: the client reported the code ${got.code}, not ${code}`);
        if (got.message !== message) fail(name, `${ref.shape}: message ${JSON.stringify(got.message)} != ${JSON.stringify(message)}`);
        const fieldDiff = firstDifference(canonical(got.fields), canonical(fields));
        if (fieldDiff) fail(name, `${ref.shape}: fields differ: ${fieldDiff}`);
      }
    }
  }
  return report;
}
