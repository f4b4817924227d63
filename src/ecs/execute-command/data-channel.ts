import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import type { Logger } from "../../core/logger.js";
import { decodeMessage, encodeMessage, MalformedMessage, MessageType, PayloadType, type AgentMessage } from "./agent-message.js";
import type { Shell } from "../../agent/container-shell.js";
import type { SessionRecorder } from "./session-logging.js";

/** The agent version the handshake announces (the SSM agent's, as the plugin reads it). */
const AGENT_VERSION = "3.3.0.0";
/** Unacknowledged output is sent again after this long, a few times, as the SSM agent does. */
const RESEND_AFTER_MS = 1000;
const MAX_SENDS = 5;
/** Input that arrives ahead of a missing message is held, up to this many messages. */
const MAX_HELD = 100;
/**
 * Flow control: the command's output is no longer read while this many output messages await
 * their acknowledgement (or the handshake), and is read again once half of them have it, so a
 * slow client holds the command back instead of filling the server's memory.
 */
const WINDOW = 256;

export interface DataChannelOptions {
  socket: WebSocket;
  shell: Shell;
  sessionId: string;
  /** The session's target as channel_closed names it (the task's id). */
  destinationId: string;
  log: Logger;
  /** Gets the session's output (and input echo, with a TTY), for session logging. */
  record?: SessionRecorder;
}

/**
 * The agent's end of a Session Manager data channel, once the token is accepted: a handshake
 * (SessionType InteractiveCommands), then the shell's output as output_stream_data (payload type
 * Output, sequence numbers from 0, sent again until acknowledged), the client's input_stream_data
 * acknowledged and applied in sequence order (Output: keystrokes, Size: terminal size), and
 * channel_closed when the command exits. A client that skips the handshake (older ones, as the
 * SSM agent allows) is served as soon as it sends its first input.
 */
export function runDataChannel({ socket, shell, sessionId, destinationId, log, record }: DataChannelOptions): void {
  let nextOut = 0;
  let expectedIn = 0;
  let handshaking = true;
  let ended = false;
  const heldInput = new Map<number, AgentMessage>();
  const heldOutput: Buffer[] = [];
  const unacked = new Map<number, { frame: Buffer; sentAt: number; sends: number }>();
  let paused = false;
  const waiting = () => unacked.size + heldOutput.length;
  const throttle = () => {
    if (!paused && waiting() >= WINDOW) (paused = true, shell.pause());
    else if (paused && waiting() <= WINDOW / 2) (paused = false, shell.resume());
  };

  const send = (frame: Buffer) => socket.readyState === socket.OPEN && socket.send(frame);
  const sendSequenced = (payloadType: number, payload: Buffer) => {
    const sequenceNumber = nextOut++;
    const frame = encodeMessage({ messageType: MessageType.Output, sequenceNumber, flags: sequenceNumber === 0 ? 1 : 0, payloadType, payload });
    unacked.set(sequenceNumber, { frame, sentAt: Date.now(), sends: 1 });
    send(frame);
  };
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  const resend = setInterval(() => {
    const now = Date.now();
    for (const [seq, u] of unacked) {
      if (now - u.sentAt < RESEND_AFTER_MS) continue;
      if (u.sends >= MAX_SENDS) unacked.delete(seq);
      else (u.sentAt = now, u.sends++, send(u.frame));
    }
    throttle();
  }, RESEND_AFTER_MS);
  resend.unref();

  const startStreaming = () => {
    handshaking = false;
    for (const chunk of heldOutput.splice(0)) sendSequenced(PayloadType.Output, chunk);
    throttle();
  };

  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    clearInterval(resend);
    log.info({ sessionId, reason }, "execute command session ended");
    shell.close();
    record?.end();
  };

  shell.onOutput((data) => {
    record?.output(data);
    if (handshaking) heldOutput.push(data);
    else sendSequenced(PayloadType.Output, data);
    throttle();
  });
  shell.onExit(() => {
    if (handshaking) startStreaming();
    const closed = { MessageId: randomUUID(), CreatedDate: new Date().toISOString(), DestinationId: destinationId, SessionId: sessionId, MessageType: MessageType.ChannelClosed, SchemaVersion: 1, Output: "" };
    send(encodeMessage({ messageType: MessageType.ChannelClosed, sequenceNumber: nextOut, flags: 0, payloadType: PayloadType.Output, payload: json(closed) }));
    socket.close(1000);
    end("the command exited");
  });

  const apply = (m: AgentMessage) => {
    switch (m.payloadType) {
      case PayloadType.HandshakeResponse:
        if (!handshaking) return;
        sendSequenced(PayloadType.HandshakeComplete, json({ HandshakeTimeToComplete: 0, CustomerMessage: "" }));
        return startStreaming();
      case PayloadType.Output:
        if (handshaking) startStreaming();
        return shell.write(m.payload);
      case PayloadType.Size: {
        if (handshaking) startStreaming();
        const size = parseSize(m.payload);
        if (size) shell.resize(size.cols, size.rows);
        return;
      }
    }
  };

  const onInput = (m: AgentMessage) => {
    const ack = { AcknowledgedMessageType: m.messageType, AcknowledgedMessageId: m.messageId, AcknowledgedMessageSequenceNumber: m.sequenceNumber, IsSequentialMessage: true };
    send(encodeMessage({ messageType: MessageType.Acknowledge, sequenceNumber: 0, flags: 3, payloadType: 0, payload: json(ack) }));
    if (m.sequenceNumber < expectedIn) return; // sent again: applied already
    if (m.sequenceNumber > expectedIn) {
      if (heldInput.size < MAX_HELD) heldInput.set(m.sequenceNumber, m);
      return;
    }
    apply(m);
    expectedIn++;
    for (let next = heldInput.get(expectedIn); next; next = heldInput.get(expectedIn)) {
      heldInput.delete(expectedIn);
      apply(next);
      expectedIn++;
    }
  };

  socket.on("message", (data, isBinary) => {
    if (!isBinary || ended) return;
    let m: AgentMessage;
    try {
      m = decodeMessage(data as Buffer);
    } catch (err) {
      if (!(err instanceof MalformedMessage)) throw err;
      log.debug({ sessionId, why: err.message }, "a malformed data channel message was ignored");
      return;
    }
    if (m.messageType === MessageType.Acknowledge) {
      const seq = parseAckedSequence(m.payload);
      if (seq !== undefined) (unacked.delete(seq), throttle());
    } else if (m.messageType === MessageType.Input) onInput(m);
    else if (m.messageType === MessageType.ChannelClosed) (socket.close(1000), end("the client closed the channel"));
  });
  socket.on("close", () => end("the client disconnected"));
  socket.on("error", () => end("the connection failed"));

  sendSequenced(PayloadType.HandshakeRequest, json({
    AgentVersion: AGENT_VERSION,
    RequestedClientActions: [{ ActionType: "SessionType", ActionParameters: { SessionType: "InteractiveCommands", Properties: {} } }],
  }));
}

function parseSize(payload: Buffer): { cols: number; rows: number } | undefined {
  try {
    const { cols, rows } = JSON.parse(payload.toString("utf8")) as { cols?: unknown; rows?: unknown };
    const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 10_000;
    return ok(cols) && ok(rows) ? { cols, rows } : undefined;
  } catch {
    return undefined;
  }
}

function parseAckedSequence(payload: Buffer): number | undefined {
  try {
    const seq = (JSON.parse(payload.toString("utf8")) as { AcknowledgedMessageSequenceNumber?: unknown }).AcknowledgedMessageSequenceNumber;
    return typeof seq === "number" ? seq : undefined;
  } catch {
    return undefined;
  }
}
