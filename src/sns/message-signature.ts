import { createSign, type KeyObject } from "node:crypto";

/** The fields of a message SNS signs (a notification, or a subscription or unsubscribe confirmation). */
export interface SignedFields {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

/**
 * The string SNS signs, as AWS documents it ("Verifying the signatures of Amazon SNS messages"):
 * each field's name and value on their own lines, in byte order of the names — for a
 * Notification Message, MessageId, Subject (when present), Timestamp, TopicArn, Type; for the
 * confirmations Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
 */
export function canonicalString(m: SignedFields): string {
  const names = m.Type === "Notification"
    ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] as const
    : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"] as const;
  let out = "";
  for (const name of names) {
    const value = m[name];
    if (value !== undefined) out += `${name}\n${value}\n`;
  }
  return out;
}

/** SignatureVersion 1: SHA1withRSA; 2: SHA256withRSA; base64, as the Signature field carries it. */
export function signMessage(m: SignedFields, key: KeyObject, version: "1" | "2"): string {
  return createSign(version === "2" ? "RSA-SHA256" : "RSA-SHA1").update(canonicalString(m), "utf8").sign(key, "base64");
}
