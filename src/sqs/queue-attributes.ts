import { invalidAttributeName, invalidAttributeValue, invalidValue } from "./errors.js";

/** The attributes a user sets, with AWS's ranges and defaults (CreateQueue's reference). */
const INTEGER_RANGES: Record<string, [min: number, max: number, fallback: number]> = {
  DelaySeconds: [0, 900, 0],
  MaximumMessageSize: [1024, 1048576, 262144],
  MessageRetentionPeriod: [60, 1209600, 345600],
  ReceiveMessageWaitTimeSeconds: [0, 20, 0],
  VisibilityTimeout: [0, 43200, 30],
  KmsDataKeyReusePeriodSeconds: [60, 86400, 300],
};
const BOOLEANS = new Set(["FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"]);
const ENUMS: Record<string, string[]> = {
  DeduplicationScope: ["messageGroup", "queue"],
  FifoThroughputLimit: ["perQueue", "perMessageGroupId"],
};
const JSON_ATTRIBUTES = new Set(["Policy", "RedrivePolicy", "RedriveAllowPolicy"]);
const FREE_TEXT = new Set(["KmsMasterKeyId"]);
const FIFO_ONLY = new Set(["FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"]);

/** What GetQueueAttributes can name besides the settable ones. */
export const COMPUTED = [
  "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
] as const;

export const SETTABLE = [...Object.keys(INTEGER_RANGES), ...BOOLEANS, ...Object.keys(ENUMS), ...JSON_ATTRIBUTES, ...FREE_TEXT];
export const ALL_NAMES = new Set<string>([...SETTABLE, ...COMPUTED]);

/** A new queue's attributes: AWS's defaults, then what CreateQueue gave. */
export function defaultAttributes(fifo: boolean): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const [name, [, , fallback]] of Object.entries(INTEGER_RANGES)) attrs[name] = String(fallback);
  attrs["SqsManagedSseEnabled"] = "true";
  if (fifo) {
    attrs["FifoQueue"] = "true";
    attrs["ContentBasedDeduplication"] = "false";
    attrs["DeduplicationScope"] = "queue";
    attrs["FifoThroughputLimit"] = "perQueue";
  }
  return attrs;
}

/**
 * Checks attributes as CreateQueue and SetQueueAttributes take them; returns them normalized
 * (booleans lower case). `creating`: FifoQueue may only be given at creation.
 */
export function validateAttributes(given: Record<string, string>, { fifo, creating }: { fifo: boolean; creating: boolean }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!SETTABLE.includes(name)) throw invalidAttributeName(name);
    if (FIFO_ONLY.has(name) && !fifo) {
      if (name === "FifoQueue" && value.toLowerCase() === "false" && creating) continue;
      throw invalidAttributeName(name);
    }
    if (name === "FifoQueue" && !creating) throw invalidAttributeName(name);
    const range = INTEGER_RANGES[name];
    if (range) {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < range[0] || n > range[1]) throw invalidAttributeValue(`Invalid value for the parameter ${name}.`);
      out[name] = String(n);
    } else if (BOOLEANS.has(name)) {
      const v = value.toLowerCase();
      if (v !== "true" && v !== "false") throw invalidAttributeValue(`Invalid value for the parameter ${name}.`);
      out[name] = v;
    } else if (ENUMS[name]) {
      if (!ENUMS[name]!.includes(value)) throw invalidAttributeValue(`Invalid value for the parameter ${name}.`);
      out[name] = value;
    } else if (JSON_ATTRIBUTES.has(name)) {
      out[name] = value === "" ? "" : checkJson(name, value);
    } else out[name] = value;
  }
  return out;
}

function checkJson(name: string, value: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidAttributeValue(`Invalid value for the parameter ${name}. Reason: ${name} is not valid JSON.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalidAttributeValue(`Invalid value for the parameter ${name}.`);
  if (name === "RedrivePolicy") return JSON.stringify(redrivePolicyOf(parsed as Record<string, unknown>));
  return value;
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** RedrivePolicy's two members; maxReceiveCount 1 to 1,000 (a string or a number, as AWS takes either). */
function redrivePolicyOf(p: Record<string, unknown>): RedrivePolicy {
  const arn = p["deadLetterTargetArn"];
  const count = Number(p["maxReceiveCount"]);
  if (typeof arn !== "string" || !arn.startsWith("arn:")) {
    throw invalidAttributeValue("Value for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  }
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidAttributeValue("Value for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: must be an integer from 1 to 1000.");
  }
  return { deadLetterTargetArn: arn, maxReceiveCount: count };
}

export const redrivePolicy = (attrs: Record<string, string>): RedrivePolicy | undefined =>
  attrs["RedrivePolicy"] ? (JSON.parse(attrs["RedrivePolicy"]) as RedrivePolicy) : undefined;

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** A queue's name as CreateQueue checks it: a FIFO queue's ends in .fifo, and only a FIFO queue's does. */
export function checkQueueName(name: string, fifo: boolean): void {
  if (fifo) {
    if (!name.endsWith(".fifo") || name.length > 80 || !NAME.test(name.slice(0, -5))) {
      throw invalidValue("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.");
    }
  } else if (!NAME.test(name)) {
    throw invalidValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
}
