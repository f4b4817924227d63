/** PutLogEvents' limits, as AWS documents them and the Docker awslogs driver applies them. */
export const PER_EVENT_BYTES = 26;
export const MAX_BATCH_BYTES = 1_048_576;
export const MAX_BATCH_EVENTS = 10_000;
/** A single event's message, so that the event with its 26 bytes fits in 256 KiB. */
export const MAX_EVENT_BYTES = 262_144 - PER_EVENT_BYTES;
/** The events of one batch span at most 24 hours. */
export const MAX_BATCH_SPAN_MS = 24 * 3600 * 1000;

/** The bytes an event counts for in a batch: its UTF-8 message plus 26. */
export const eventBytes = (message: string): number => Buffer.byteLength(message, "utf8") + PER_EVENT_BYTES;
