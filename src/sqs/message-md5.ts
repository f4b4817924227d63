import { createHash } from "node:crypto";

/** A message attribute as the API carries it (SendMessage's MessageAttributeValue). */
export interface AttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export const md5Hex = (text: string | Uint8Array) => createHash("md5").update(text).digest("hex");

/**
 * MD5OfMessageAttributes exactly as SQS computes it (and the SDKs verify it): the attributes in
 * name order, each as length-prefixed (4-byte big-endian) name, data type, a transport byte
 * (1 for String and Number, 2 for Binary) and the length-prefixed value. Hand-written because
 * it is this dozen lines; the SDKs' own copies are internal to their middleware.
 */
export function md5OfAttributes(attributes: Record<string, AttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash("md5");
  const lengthPrefixed = (bytes: Uint8Array) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    hash.update(len).update(bytes);
  };
  for (const name of names) {
    const value = attributes[name]!;
    lengthPrefixed(Buffer.from(name, "utf8"));
    lengthPrefixed(Buffer.from(value.DataType, "utf8"));
    if (value.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(value.BinaryValue);
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? "", "utf8"));
    }
  }
  return hash.digest("hex");
}
