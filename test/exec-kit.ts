import WebSocket from "ws";
import { ssm } from "ssm-session";
import type { ExecuteCommandCommandOutput } from "@aws-sdk/client-ecs";

/** Every frame Berth sent on one data channel, and what the client saw. */
export interface Session {
  frames: Buffer[];
  output: string;
  closeCode: number;
}

/**
 * Opens a session's stream as ssm-session's README does (init with the token, decode, acknowledge
 * every message), types `input` once the shell has printed something, and resolves when Berth
 * closes the channel.
 */
export function drive(session: NonNullable<ExecuteCommandCommandOutput["session"]>, input: string): Promise<Session> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(session.streamUrl!);
    const frames: Buffer[] = [];
    let output = "";
    let typed = false;
    socket.on("open", () => ssm.init(socket, { token: session.tokenValue!, termOptions: { cols: 120, rows: 40 } }));
    socket.on("message", (data: Buffer) => {
      frames.push(data);
      const message = ssm.decode(data);
      ssm.sendACK(socket, message);
      if (message.messageType === "output_stream_data" && message.payloadType === 1) {
        output += Buffer.from(message.payload).toString("utf8");
        if (!typed) (typed = true, ssm.sendText(socket, input));
      }
    });
    socket.on("close", (closeCode) => resolve({ frames, output, closeCode }));
    socket.on("error", reject);
  });
}
