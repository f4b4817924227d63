/** A message attribute as Publish takes it. */
export interface SnsAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/**
 * The JSON document SNS delivers to an SQS queue (or an http endpoint) unless raw delivery is on,
 * in AWS's field order. Berth does not sign it yet: Signature is empty (docs/compatibility.md).
 */
export function notificationEnvelope(n: { messageId: string; topicArn: string; subject?: string; message: string; timestamp: Date; attributes: Record<string, SnsAttribute>; baseUrl: string; subscriptionArn: string; sequenceNumber?: string }): string {
  const attributes = Object.entries(n.attributes);
  return JSON.stringify({
    Type: "Notification",
    MessageId: n.messageId,
    ...(n.sequenceNumber ? { SequenceNumber: n.sequenceNumber } : {}),
    TopicArn: n.topicArn,
    ...(n.subject !== undefined ? { Subject: n.subject } : {}),
    Message: n.message,
    Timestamp: n.timestamp.toISOString(),
    SignatureVersion: "1",
    Signature: "",
    SigningCertURL: `${n.baseUrl}/_berth/sns/SimpleNotificationService.pem`,
    UnsubscribeURL: `${n.baseUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(n.subscriptionArn)}`,
    ...(attributes.length ? {
      MessageAttributes: Object.fromEntries(attributes.map(([k, v]) => [k, {
        Type: v.DataType, Value: v.BinaryValue !== undefined ? Buffer.from(v.BinaryValue).toString("base64") : v.StringValue,
      }])),
    } : {}),
  });
}
