/** ssm-session ships no types: the part of its client API the ECS Exec tests use. */
declare module "ssm-session" {
  interface AgentMessage {
    headerLength: number;
    messageType: string;
    schemaVersion: number;
    createdDate: number;
    sequenceNumber: number;
    flags: number;
    messageId: string;
    payloadDigest: string;
    payloadType: number;
    payloadLength: number;
    payload: Uint8Array;
  }
  interface Connection {
    send(data: string | Uint8Array): void;
  }
  export const ssm: {
    init(connection: Connection, data: { token: string; termOptions: { cols: number; rows: number } }): void;
    decode(buffer: ArrayBuffer | Uint8Array): AgentMessage;
    sendACK(connection: Connection, message: AgentMessage): void;
    sendText(connection: Connection, text: string, sequenceNumber?: number): void;
    buildTokenMessage(token: string): string;
  };
}
