import { RE2JS } from "re2js";
import { MAX_EVENT_BYTES } from "./log-limits.js";

/** One line of output: its time (ms), the streams' positions once it was read ("out|err", log-position.ts) and its text without the newline. */
export interface EngineLine {
  timestamp: number;
  position: string;
  text: string;
}

/** An event ready for PutLogEvents, with the position (log-position.ts) of the output it ends at. */
export interface ShippedEvent {
  timestamp: number;
  message: string;
  /** `<out>|<err>|<chunk>` (log-position.ts): chunk LAST_CHUNK when the event ends where its last line ends. */
  position: string;
}

/** The chunk number of an event that ends at the end of its line. */
export const LAST_CHUNK = 9999;
export const eventPosition = (streams: string, chunk: number): string => `${streams}|${String(chunk).padStart(4, "0")}`;

/**
 * Turns lines into events as the Docker awslogs driver does. Without a start pattern each
 * non-empty line is an event. With one (awslogs-datetime-format or awslogs-multiline-pattern), a
 * line that matches starts a new event and any other line continues the one being built, each
 * line followed by a newline; the event is complete at the next start, when it would grow past the
 * size of one event, or when flush() is called (the follower does so after a short idle time).
 * A message longer than one event allows is split into several, at character boundaries.
 */
export class LogEventBuilder {
  private readonly start?: RE2JS;
  private buffer = "";
  private bufferBytes = 0;
  private bufferTimestamp = 0;
  private bufferEnd?: string;

  constructor(eventStart: string | undefined, private readonly emit: (e: ShippedEvent) => void) {
    this.start = eventStart === undefined ? undefined : RE2JS.compile(eventStart);
  }

  /** An event is being built (multiline only). */
  get pending(): boolean {
    return this.bufferEnd !== undefined;
  }

  line({ timestamp, position, text }: EngineLine): void {
    if (!this.start) {
      if (text !== "") this.split(text, timestamp, position);
      return;
    }
    const bytes = Buffer.byteLength(text, "utf8");
    if (this.start.matcher(text).find() || this.bufferBytes + bytes > MAX_EVENT_BYTES) this.flush();
    if (this.bufferEnd === undefined) this.bufferTimestamp = timestamp;
    const piece = bytes < MAX_EVENT_BYTES ? `${text}\n` : text;
    this.buffer += piece;
    this.bufferBytes += bytes + (piece.length > text.length ? 1 : 0);
    this.bufferEnd = position;
  }

  /** Completes the event being built, if any. */
  flush(): void {
    if (this.bufferEnd === undefined) return;
    const { buffer, bufferTimestamp, bufferEnd } = this;
    this.buffer = "";
    this.bufferBytes = 0;
    this.bufferEnd = undefined;
    this.split(buffer, bufferTimestamp, bufferEnd);
  }

  private split(text: string, timestamp: number, end: string): void {
    if (text.length * 3 <= MAX_EVENT_BYTES || Buffer.byteLength(text, "utf8") <= MAX_EVENT_BYTES) {
      this.emit({ timestamp, message: text, position: eventPosition(end, LAST_CHUNK) });
      return;
    }
    const chunks = splitUtf8(text, MAX_EVENT_BYTES);
    chunks.forEach((message, i) => this.emit({ timestamp, message, position: eventPosition(end, i === chunks.length - 1 ? LAST_CHUNK : i) }));
  }
}

/** Splits text into pieces of at most `max` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, max: number): string[] {
  const out: string[] = [];
  let piece = "";
  let bytes = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch, "utf8");
    if (bytes + b > max) {
      out.push(piece);
      piece = "";
      bytes = 0;
    }
    piece += ch;
    bytes += b;
  }
  if (piece !== "") out.push(piece);
  return out;
}
