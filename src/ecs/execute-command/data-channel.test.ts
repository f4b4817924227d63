import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { pino } from "pino";
import { decodeMessage, encodeMessage, type AgentMessage } from "./agent-message.js";
import type { Shell } from "../../agent/container-shell.js";
import { runDataChannel } from "./data-channel.js";

/** The socket's side a data channel uses, recording what it sends. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), {
    OPEN: 1, readyState: 1, sent: [] as AgentMessage[], closedWith: undefined as number | undefined,
    send(frame: Buffer) { socket.sent.push(decodeMessage(frame)); },
    close(code: number) { socket.closedWith = code; socket.readyState = 3; },
  });
  return socket;
}

function fakeShell() {
  let output: (d: Buffer) => void = () => {};
  let exit: (code: number | undefined) => void = () => {};
  const shell = {
    written: [] as string[], sizes: [] as Array<[number, number]>, closed: false,
    write: (d: Buffer) => void shell.written.push(d.toString()),
    resize: (cols: number, rows: number) => void shell.sizes.push([cols, rows]),
    onOutput: (l: (d: Buffer) => void) => void (output = l),
    onExit: (l: (code: number | undefined) => void) => void (exit = l),
    close: () => void (shell.closed = true),
    paused: false,
    pause: () => void (shell.paused = true),
    resume: () => void (shell.paused = false),
    print: (s: string) => output(Buffer.from(s)),
    exit: () => exit(0),
  };
  return shell;
}

const input = (sequenceNumber: number, payloadType: number, payload: string) =>
  encodeMessage({ messageType: "input_stream_data", sequenceNumber, flags: 0, payloadType, payload: Buffer.from(payload) });

test("the plugin's path: HandshakeRequest, its response, HandshakeComplete, then the output held meanwhile; input applied in sequence order", () => {
  const socket = fakeSocket();
  const shell = fakeShell();
  runDataChannel({ socket: socket as unknown as WebSocket, shell: shell as unknown as Shell, sessionId: "s-1", destinationId: "task-1", log: pino({ level: "silent" }) });
  shell.print("prompt$ ");
  const [request] = socket.sent;
  assert.deepEqual([request!.messageType, request!.sequenceNumber, request!.payloadType], ["output_stream_data", 0, 5]);
  assert.equal(JSON.parse(request!.payload.toString()).RequestedClientActions[0].ActionParameters.SessionType, "InteractiveCommands");
  assert.equal(socket.sent.length, 1, "output waits for the handshake");

  socket.emit("message", input(0, 6, JSON.stringify({ ClientVersion: "1.2.0", ProcessedClientActions: [] })), true);
  const outputs = socket.sent.filter((m) => m.messageType === "output_stream_data");
  assert.deepEqual(outputs.map((m) => [m.sequenceNumber, m.payloadType]), [[0, 5], [1, 7], [2, 1]]);
  assert.equal(outputs[2]!.payload.toString(), "prompt$ ");

  // Input 2 before 1: held, then both applied in order; a repeat of 1 is acknowledged, not applied again.
  socket.emit("message", input(2, 1, "b"), true);
  assert.deepEqual(shell.written, []);
  socket.emit("message", input(1, 3, JSON.stringify({ cols: 100, rows: 30 })), true);
  socket.emit("message", input(1, 3, JSON.stringify({ cols: 100, rows: 30 })), true);
  assert.deepEqual(shell.written, ["b"]);
  assert.deepEqual(shell.sizes, [[100, 30]]);
  const acks = socket.sent.filter((m) => m.messageType === "acknowledge").map((m) => JSON.parse(m.payload.toString()).AcknowledgedMessageSequenceNumber);
  assert.deepEqual(acks, [0, 2, 1, 1]);

  shell.exit();
  const last = socket.sent.at(-1)!;
  assert.equal(last.messageType, "channel_closed");
  assert.equal(JSON.parse(last.payload.toString()).SessionId, "s-1");
  assert.equal(socket.closedWith, 1000);
  assert.equal(shell.closed, true);
});

test("flow control: the command's output stops being read while too much awaits acknowledgement, and is read again as acknowledgements come", () => {
  const socket = fakeSocket();
  const shell = fakeShell();
  runDataChannel({ socket: socket as unknown as WebSocket, shell: shell as unknown as Shell, sessionId: "s-2", destinationId: "task-2", log: pino({ level: "silent" }) });
  // A client that skips the handshake: its first input starts the stream.
  socket.emit("message", input(0, 3, JSON.stringify({ cols: 80, rows: 24 })), true);
  for (let i = 0; i < 300 && !shell.paused; i++) shell.print(`line ${i}\n`);
  assert.equal(shell.paused, true);
  const sent = socket.sent.filter((m) => m.messageType === "output_stream_data");
  assert.equal(sent.length, 256, "the handshake request and 255 lines await acknowledgement");
  const ack = (seq: number) => encodeMessage({ messageType: "acknowledge", sequenceNumber: 0, flags: 0, payloadType: 0,
    payload: Buffer.from(JSON.stringify({ AcknowledgedMessageType: "output_stream_data", AcknowledgedMessageId: "x", AcknowledgedMessageSequenceNumber: seq, IsSequentialMessage: true })) });
  for (let seq = 0; seq < 127; seq++) socket.emit("message", ack(seq), true);
  assert.equal(shell.paused, true);
  socket.emit("message", ack(127), true);
  assert.equal(shell.paused, false);
  shell.exit();
});
