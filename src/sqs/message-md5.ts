import { hash } from "node:crypto";

/** A message attribute as the API carries it (SendMessage's MessageAttributeValue). */
export interface AttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

// One-shot hash(): a createHash() object per digest cost more than the MD5 itself on a 256-byte
// body (every send computes two or three digests, every receive one).
export const md5Hex = (text: string | Uint8Array) => hash("md5", text, "hex");

/**
 * MD5OfMessageAttributes exactly as SQS computes it (and the SDKs verify it): the attributes in
 * name order, each as length-prefixed (4-byte big-endian) name, data type, a transport byte
 * (1 for String and Number, 2 for Binary) and the length-prefixed value. Hand-written because
 * it is this dozen lines; the SDKs' own copies are internal to their middleware. The bytes are
 * laid out in one buffer and hashed once.
 */
export function md5OfAttributes(attributes: Record<string, AttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Array<Uint8Array | string> = [];
  let size = 0;
  for (const name of names) {
    const value = attributes[name]!;
    const binary = value.BinaryValue;
    parts.push(name, value.DataType, binary ?? value.StringValue ?? "");
    size += 4 + Buffer.byteLength(name) + 4 + Buffer.byteLength(value.DataType) + 1 + 4 + (binary ? binary.length : Buffer.byteLength(value.StringValue ?? ""));
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  const lengthPrefixed = (part: Uint8Array | string) => {
    const length = typeof part === "string" ? bytes.write(part, at + 4, "utf8") : (bytes.set(part, at + 4), part.length);
    bytes.writeUInt32BE(length, at);
    at += 4 + length;
  };
  for (let i = 0; i < parts.length; i += 3) {
    lengthPrefixed(parts[i]!);
    lengthPrefixed(parts[i + 1]!);
    const value = parts[i + 2]!;
    at = bytes.writeUInt8(typeof value === "string" ? 1 : 2, at);
    lengthPrefixed(value);
  }
  return hash("md5", bytes, "hex");
}
