import { parseEngineTime } from "./log-position.js";

/** One log entry of the engine's logs API with timestamps on: its time, its stream and its text (a trailing newline means the line is complete). */
export interface EngineEntry {
  ns: bigint;
  stream: "stdout" | "stderr";
  text: string;
}

/**
 * Reads the engine's logs API output (`timestamps: true`) incrementally: without a TTY it is
 * multiplexed, one frame per log entry (8-byte header: stream, 0, 0, 0, big-endian length, then
 * "<RFC 3339 time> <text>"); with a TTY it is raw "<time> <text>\n" lines. Written by hand
 * because dockerode's demuxStream loses frame boundaries, and each frame is one entry with its own time.
 */
export class EngineLogReader {
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly tty: boolean) {}

  push(chunk: Buffer): EngineEntry[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    return this.tty ? this.rawLines() : this.frames();
  }

  private frames(): EngineEntry[] {
    const out: EngineEntry[] = [];
    let at = 0;
    const buf = this.pending;
    while (at + 8 <= buf.length) {
      const size = buf.readUInt32BE(at + 4);
      if (at + 8 + size > buf.length) break;
      const entry = this.entry(buf.toString("utf8", at + 8, at + 8 + size), buf[at] === 2 ? "stderr" : "stdout");
      if (entry) out.push(entry);
      at += 8 + size;
    }
    this.pending = buf.subarray(at);
    return out;
  }

  private rawLines(): EngineEntry[] {
    const out: EngineEntry[] = [];
    let at = 0;
    const buf = this.pending;
    for (let nl = buf.indexOf(10, at); nl !== -1; nl = buf.indexOf(10, at)) {
      const entry = this.entry(this.decoder.decode(buf.subarray(at, nl + 1)), "stdout");
      if (entry) out.push(entry);
      at = nl + 1;
    }
    this.pending = buf.subarray(at);
    return out;
  }

  private entry(payload: string, stream: "stdout" | "stderr"): EngineEntry | undefined {
    const space = payload.indexOf(" ");
    const ns = space > 0 ? parseEngineTime(payload.slice(0, space)) : undefined;
    if (ns === undefined) return undefined; // not an entry the API makes with timestamps on
    return { ns, stream, text: payload.slice(space + 1) };
  }
}
