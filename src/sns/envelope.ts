import { signMessage, type SignedFields } from "./message-signature.js";
import type { SigningIdentity } from "./signing-identity.js";

/** A message attribute as Publish takes it. */
export interface SnsAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** What signs SNS's JSON documents, and where subscribers find the certificate and the API. */
export interface EnvelopeSigner {
  identity: SigningIdentity;
  /** `http://host:port` of Berth's API (SubscribeURL, UnsubscribeURL, SigningCertURL). */
  baseUrl(): string;
}

const certUrl = (s: EnvelopeSigner) => `${s.baseUrl()}/${s.identity.certificateFile}`;
const signed = (s: EnvelopeSigner, fields: SignedFields, version: "1" | "2") =>
  ({ SignatureVersion: version, Signature: signMessage(fields, s.identity.key, version), SigningCertURL: certUrl(s) });

export const unsubscribeUrl = (s: EnvelopeSigner, subscriptionArn: string) =>
  `${s.baseUrl()}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
export const subscribeUrl = (s: EnvelopeSigner, topicArn: string, token: string) =>
  `${s.baseUrl()}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`;

/**
 * The JSON document SNS delivers to an SQS queue or an http endpoint unless raw delivery is on,
 * in AWS's field order, signed with the topic's SignatureVersion.
 */
export function notificationEnvelope(signer: EnvelopeSigner, n: { messageId: string; topicArn: string; subject?: string; message: string; timestamp: Date; attributes: Record<string, SnsAttribute>; subscriptionArn: string; sequenceNumber?: string; signatureVersion: "1" | "2" }): string {
  const attributes = Object.entries(n.attributes);
  const fields: SignedFields = { Type: "Notification", MessageId: n.messageId, TopicArn: n.topicArn, Subject: n.subject, Message: n.message, Timestamp: n.timestamp.toISOString() };
  return JSON.stringify({
    Type: fields.Type,
    MessageId: n.messageId,
    ...(n.sequenceNumber ? { SequenceNumber: n.sequenceNumber } : {}),
    TopicArn: n.topicArn,
    ...(n.subject !== undefined ? { Subject: n.subject } : {}),
    Message: n.message,
    Timestamp: fields.Timestamp,
    ...signed(signer, fields, n.signatureVersion),
    UnsubscribeURL: unsubscribeUrl(signer, n.subscriptionArn),
    ...(attributes.length ? {
      MessageAttributes: Object.fromEntries(attributes.map(([k, v]) => [k, {
        Type: v.DataType, Value: v.BinaryValue !== undefined ? Buffer.from(v.BinaryValue).toString("base64") : v.StringValue,
      }])),
    } : {}),
  });
}

/**
 * SubscriptionConfirmation (sent when an http/https subscription is made) and
 * UnsubscribeConfirmation (sent when one is cancelled through its UnsubscribeURL): the link to
 * confirm, or to subscribe again, with the token ConfirmSubscription takes.
 */
export function confirmationEnvelope(signer: EnvelopeSigner, c: { type: "SubscriptionConfirmation" | "UnsubscribeConfirmation"; messageId: string; topicArn: string; subscriptionArn: string; token: string; timestamp: Date; signatureVersion: "1" | "2" }): string {
  const message = c.type === "SubscriptionConfirmation"
    ? `You have chosen to subscribe to the topic ${c.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`
    : `You have chosen to deactivate subscription ${c.subscriptionArn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`;
  const fields: SignedFields = { Type: c.type, MessageId: c.messageId, Token: c.token, TopicArn: c.topicArn, Message: message, SubscribeURL: subscribeUrl(signer, c.topicArn, c.token), Timestamp: c.timestamp.toISOString() };
  return JSON.stringify({
    Type: fields.Type, MessageId: fields.MessageId, Token: fields.Token, TopicArn: fields.TopicArn, Message: fields.Message,
    SubscribeURL: fields.SubscribeURL, Timestamp: fields.Timestamp, ...signed(signer, fields, c.signatureVersion),
  });
}
