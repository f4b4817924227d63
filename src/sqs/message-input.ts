import { ServiceError } from "../core/errors.js";
import { invalidValue, missingParameter } from "./errors.js";
import type { AttributeValue } from "./message-md5.js";

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
/** The characters XML 1.0 allows, which are all a message may hold (SQS's message quotas). */
const DISALLOWED = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;
const MAX_ATTRIBUTES = 10;

/**
 * Checks a message's attributes as SendMessage does, and returns the bytes they count toward the
 * queue's MaximumMessageSize (name, data type and value of each).
 */
export function checkAttributes(attributes: Record<string, AttributeValue>, { system = false } = {}): number {
  const names = Object.keys(attributes);
  if (names.length > MAX_ATTRIBUTES) throw invalidValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  let size = 0;
  for (const name of names) {
    const value = attributes[name]!;
    const kind = system ? "system" : "user";
    if (system && name !== "AWSTraceHeader") throw invalidValue(`Message system attribute name '${name}' is invalid.`);
    if (!system && (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name) || name.startsWith(".") || name.endsWith(".") || name.includes(".."))) {
      throw invalidValue(`Message (${kind}) attribute name '${name}' is invalid. Names can contain alphanumeric characters, hyphens (-), underscores (_) and periods (.), must not start with AWS. or Amazon., and must not start or end with a period or contain consecutive periods.`);
    }
    const type = DATA_TYPE.exec(value.DataType);
    if (!type) throw invalidValue(`The type of message (${kind}) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    if (type[1] === "Binary") {
      if (value.BinaryValue === undefined || value.BinaryValue.length === 0) {
        throw invalidValue(`Message (${kind}) attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type[1]}'.`);
      }
      size += value.BinaryValue.length;
    } else {
      const s = value.StringValue;
      if (s === undefined || s === "") throw invalidValue(`Message (${kind}) attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type[1]}'.`);
      if (type[1] === "Number" && !isSqsNumber(s)) throw invalidValue(`Can't cast the value of message (${kind}) attribute '${name}' to a number.`);
      if (DISALLOWED.test(s)) throw invalidValue(`Message (${kind}) attribute '${name}' contains invalid characters.`);
      size += Buffer.byteLength(s);
    }
    if (value.BinaryValue !== undefined && value.StringValue !== undefined) {
      throw invalidValue(`Message (${kind}) attribute '${name}' must contain either a string value or a binary value, not both.`);
    }
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
  }
  return size;
}

/** SQS numbers: up to 38 significant digits, exponent -128 to +126. */
const isSqsNumber = (s: string) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim()) && Number.isFinite(Number(s));

export function checkBody(body: string): void {
  if (body.length === 0) throw missingParameter("The request must contain the parameter MessageBody.");
  const bad = DISALLOWED.exec(body);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
    throw invalidMessageContents(code);
  }
}

const invalidMessageContents = (hex: string) =>
  new ServiceError("InvalidMessageContents", `Invalid binary character '#x${hex}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`);

/** The batch entry ids rule: up to 80 alphanumeric characters, hyphens and underscores. */
export const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** FIFO group and deduplication ids: up to 128 characters, alphanumeric and punctuation. */
export const FIFO_ID = /^[\x21-\x7E]{1,128}$/;
