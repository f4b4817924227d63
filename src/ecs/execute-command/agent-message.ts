import { createHash, randomUUID } from "node:crypto";

/**
 * The Session Manager data channel's binary message (the session-manager-plugin's ClientMessage,
 * the SSM agent's AgentMessage), big-endian:
 *
 *   0 HeaderLength (4) | 4 MessageType (32, space-padded) | 36 SchemaVersion (4) | 40 CreatedDate (8, epoch ms)
 *   48 SequenceNumber (8) | 56 Flags (8) | 64 MessageId (16: the UUID's low 8 bytes, then its high 8)
 *   80 PayloadDigest (32, SHA-256 of the payload) | 112 PayloadType (4) | 116 PayloadLength (4) | 120 Payload
 *
 * HeaderLength counts the bytes before PayloadLength (116). No npm package encodes this framing
 * for a server (ssm-session is a client), so it is written here, from the plugin's published layout.
 */
const HEADER_LENGTH = 116;
const PAYLOAD_OFFSET = HEADER_LENGTH + 4;

export const MessageType = {
  Input: "input_stream_data",
  Output: "output_stream_data",
  Acknowledge: "acknowledge",
  ChannelClosed: "channel_closed",
} as const;

/** The payload types this data channel uses (the plugin's message.PayloadType). */
export const PayloadType = { Output: 1, Error: 2, Size: 3, HandshakeRequest: 5, HandshakeResponse: 6, HandshakeComplete: 7, ExitCode: 12 } as const;

export interface AgentMessage {
  messageType: string;
  schemaVersion: number;
  /** Epoch milliseconds. */
  createdDate: number;
  sequenceNumber: number;
  flags: number;
  messageId: string;
  payloadDigest: Buffer;
  payloadType: number;
  payload: Buffer;
}

export class MalformedMessage extends Error {}

export function encodeMessage(m: Omit<AgentMessage, "payloadDigest" | "messageId" | "schemaVersion" | "createdDate"> & Partial<Pick<AgentMessage, "messageId" | "createdDate">>): Buffer {
  const buf = Buffer.alloc(PAYLOAD_OFFSET + m.payload.length);
  buf.writeUInt32BE(HEADER_LENGTH, 0);
  buf.fill(" ", 4, 36);
  buf.write(m.messageType, 4, 32, "utf8");
  buf.writeUInt32BE(1, 36);
  buf.writeBigUInt64BE(BigInt(m.createdDate ?? Date.now()), 40);
  buf.writeBigInt64BE(BigInt(m.sequenceNumber), 48);
  buf.writeBigUInt64BE(BigInt(m.flags), 56);
  const id = Buffer.from((m.messageId ?? randomUUID()).replace(/-/g, ""), "hex");
  id.copy(buf, 64, 8, 16);
  id.copy(buf, 72, 0, 8);
  createHash("sha256").update(m.payload).digest().copy(buf, 80);
  buf.writeUInt32BE(m.payloadType, 112);
  buf.writeUInt32BE(m.payload.length, 116);
  m.payload.copy(buf, PAYLOAD_OFFSET);
  return buf;
}

/**
 * Reads one message; throws MalformedMessage when the frame is too short or its lengths disagree.
 * The digest is returned, not checked: AWS's service accepts clients (ssm-session) that put a
 * hex prefix of the digest there instead of its bytes.
 */
export function decodeMessage(buf: Buffer): AgentMessage {
  if (buf.length < PAYLOAD_OFFSET) throw new MalformedMessage(`a message needs at least ${PAYLOAD_OFFSET} bytes, got ${buf.length}`);
  const headerLength = buf.readUInt32BE(0);
  if (headerLength < HEADER_LENGTH || headerLength + 4 > buf.length) throw new MalformedMessage(`bad header length ${headerLength}`);
  const payloadLength = buf.readUInt32BE(116);
  const payload = buf.subarray(headerLength + 4);
  if (payload.length !== payloadLength) throw new MalformedMessage(`payload length ${payloadLength} but ${payload.length} bytes follow`);
  const id = Buffer.concat([buf.subarray(72, 80), buf.subarray(64, 72)]).toString("hex");
  return {
    // Space-padded by the plugin; NUL-padded (on the left) by ssm-session.
    messageType: buf.subarray(4, 36).toString("utf8").replace(/^[\s\0]+|[\s\0]+$/g, ""),
    schemaVersion: buf.readUInt32BE(36),
    createdDate: Number(buf.readBigUInt64BE(40)),
    sequenceNumber: Number(buf.readBigInt64BE(48)),
    flags: Number(buf.readBigUInt64BE(56)),
    messageId: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    payloadDigest: buf.subarray(80, 112),
    payloadType: buf.readUInt32BE(112),
    payload,
  };
}
