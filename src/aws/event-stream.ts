import { Readable } from "node:stream";
import { crc32 } from "node:zlib";

/**
 * An operation's output that is an event stream (CloudWatch Logs' StartLiveTail): the gateway
 * answers 200 with `application/vnd.amazon.eventstream` and writes each message as it comes, in
 * the response body of the HTTP/1.1 request (chunked). The SDK's event stream reader takes it
 * that way as well as over HTTP/2. Ending the iterable ends the response; the caller going away
 * ends the iteration (its `finally` runs).
 */
export class EventStreamOutput {
  constructor(readonly messages: AsyncIterable<EventStreamMessage>) {}
}

/** An event of the stream's union (`:event-type`), or a modeled exception ending it (`:exception-type`). */
export type EventStreamMessage = { event: string; payload: unknown } | { exception: string; payload: unknown };

/** One header of type string (7), the only type these messages carry. */
function stringHeader(name: string, value: string): Buffer {
  const n = Buffer.from(name, "utf8");
  const v = Buffer.from(value, "utf8");
  const b = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
  b[0] = n.length;
  n.copy(b, 1);
  b[1 + n.length] = 7;
  b.writeUInt16BE(v.length, 2 + n.length);
  v.copy(b, 4 + n.length);
  return b;
}

/**
 * The binary framing of application/vnd.amazon.eventstream: total length, headers length, the
 * prelude's CRC32, headers, payload, the message's CRC32. Hand-written: it is a few lines over
 * node:zlib's crc32, and the SDK's codec (@smithy/eventstream-codec) is not a dependency of Berth.
 */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const h = Buffer.concat(Object.entries(headers).map(([k, v]) => stringHeader(k, v)));
  const total = 12 + h.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(h.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, h, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(message), 0);
  return Buffer.concat([message, crc]);
}

/** The response body: each message framed, JSON payloads (AWS JSON services' event streams). */
export function eventStreamBody(output: EventStreamOutput): Readable {
  async function* frames() {
    // AWS JSON event streams open with the output's other members (none here) as an
    // `initial-response` event; botocore refuses a stream without it.
    yield encodeEventStreamMessage({ ":message-type": "event", ":event-type": "initial-response", ":content-type": "application/json" }, Buffer.from("{}"));
    for await (const m of output.messages) {
      const payload = Buffer.from(JSON.stringify(m.payload), "utf8");
      yield "event" in m
        ? encodeEventStreamMessage({ ":message-type": "event", ":event-type": m.event, ":content-type": "application/json" }, payload)
        : encodeEventStreamMessage({ ":message-type": "exception", ":exception-type": m.exception, ":content-type": "application/json" }, payload);
    }
  }
  return Readable.from(frames(), { objectMode: false });
}
