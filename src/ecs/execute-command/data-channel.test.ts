import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { pino } from "pino";
import { decodeMessage, encodeMessage, type AgentMessage } from "./agent-message.js";
import type { Shell } from "./container-shell.js";
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
