import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceModel } from "../model.js";
import { canonical, firstDifference } from "./canonical.js";
import { ECHO_CREDENTIALS, type Answer, type EchoService } from "./echo-gateway.js";
import { ShapeGenerator, type GenerateOptions } from "./generate-shapes.js";
import { generatedError } from "./round-trip.js";
import { seedFor } from "./seeded-random.js";

/** The script beside this file's source (dist/ holds no Python). */
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "src", "aws", "testing", "boto3-round-trip.py");

type Line = { protocol?: string; output?: unknown; error?: { code: string; message: string; fields: unknown }; failed?: string };

/**
 * The round trip of round-trip.ts for a sample of operations, sent by boto3 (one Python process
 * for the whole sample, so the handler's answers are queued in call order): each operation once
 * with a generated output, then once with its first modelled error. Returns the protocol botocore
 * chose and every mismatch found.
 */
export async function roundTripBoto3(opts: {
  model: ServiceModel;
  echo: EchoService;
  endpoint: string;
  /** botocore's name of the service (`elbv2`, `cloudwatch`). */
  service: string;
  operations: string[];
  seed: number;
  inputOptions?: GenerateOptions;
  /** The code botocore reports for an error shape. */
  errorCode: (errorShape: string) => string;
}): Promise<{ protocol: string | undefined; calls: number; failures: string[] }> {
  const { model, echo, seed } = opts;
  const calls: { operation: string; input: unknown }[] = [];
  const expected: ({ output: unknown } | { error: { shape: string; message: string; fields: unknown } })[] = [];
  echo.received.length = 0;
  echo.answers.length = 0;
  for (const operation of opts.operations) {
    const op = model.operations[operation]!;
    // Whole seconds: botocore's default precision drops the milliseconds of epoch-second timestamps.
    const input = op.input ? new ShapeGenerator(model, seedFor(seed, `boto3 ${operation}`), { ...opts.inputOptions, wholeSeconds: true }).structure(op.input.shape) : {};
    const gen = new ShapeGenerator(model, seedFor(seed, `boto3 ${operation} output`));
    const output = op.output ? gen.structure(op.output.shape) : {};
    calls.push({ operation, input: canonical(input) });
    echo.answers.push({ output });
    expected.push({ output });
    const errorRef = op.errors?.[0];
    if (errorRef) {
      const { error, message, fields, messageMember } = generatedError(model, gen, errorRef.shape);
      calls.push({ operation, input: canonical(input) });
      echo.answers.push({ error } satisfies Answer);
      // botocore puts every modelled member of a JSON error beside Error, the message member too
      // (its query parser leaves the message in Error alone).
      const withMessage = messageMember && protocolOf(model) !== "query" ? { ...fields, [messageMember]: message } : fields;
      expected.push({ error: { shape: errorRef.shape, message, fields: withMessage } });
    }
  }

  const spec = { endpoint: opts.endpoint, region: "us-east-1", ...ECHO_CREDENTIALS, service: opts.service, calls };
  const lines = (await runPython(JSON.stringify(spec))).map((l) => JSON.parse(l) as Line);
  const protocol = lines.shift()?.protocol;
  const failures: string[] = [];
  const fail = (i: number, what: string) => failures.push(`boto3 ${opts.service} ${calls[i]!.operation} (seed ${seed}): ${what}`);
  if (echo.received.length !== calls.length) failures.push(`boto3 ${opts.service}: ${echo.received.length} of ${calls.length} calls reached the handler`);
  for (let i = 0; i < calls.length; i++) {
    const line = lines[i];
    const want = expected[i]!;
    const received = echo.received[i];
    if (received) {
      const d = received.operation !== calls[i]!.operation ? `the handler of ${received.operation} was called` : firstDifference(canonical(received.input), calls[i]!.input);
      if (d) fail(i, `input differs: ${d}`);
    }
    if (!line) fail(i, "no answer from the script");
    else if (line.failed) fail(i, `call failed: ${line.failed}`);
    else if ("output" in want) {
      if (!line.output) fail(i, `raised ${JSON.stringify(line.error)}`);
      else {
        const d = firstDifference(line.output, canonical(want.output));
        if (d) fail(i, `output differs: ${d}`);
      }
    } else if (!line.error) fail(i, `${want.error.shape}: no error raised`);
    else {
      const code = opts.errorCode(want.error.shape);
      if (line.error.code !== code) fail(i, `${want.error.shape}: code ${line.error.code} != ${code}`);
      if (line.error.message !== want.error.message) fail(i, `${want.error.shape}: message ${JSON.stringify(line.error.message)} != ${JSON.stringify(want.error.message)}`);
      // botocore's JSON model of SQS lacks the query codes its x-amzn-query-error names
      // (AWS.SimpleQueueService.TooManyEntriesInBatchRequest), so it cannot find the modelled
      // error by them and reports no members: only the code and message can be compared then.
      const d = protocol === "json" && code !== want.error.shape ? undefined : firstDifference(line.error.fields, canonical(want.error.fields));
      if (d) fail(i, `${want.error.shape}: fields differ: ${d}`);
    }
  }
  return { protocol, calls: calls.length, failures };
}

/** The protocol botocore speaks to a service: the first of the model's that it knows, which for these models is the first. */
const protocolOf = (model: ServiceModel) => model.metadata.protocols?.[0] ?? model.metadata.protocol;

/** Runs the script with the spec on its standard input; its output lines, or an error with its stderr. */
function runPython(stdin: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out.split("\n").filter(Boolean)) : reject(new Error(`boto3 script exited ${code}: ${err.slice(-2000)}`))));
    child.stdin.end(stdin);
  });
}
