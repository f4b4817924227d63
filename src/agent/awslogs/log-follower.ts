import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { Logger } from "../../core/logger.js";
import type { LogDestination, LogShipper } from "../protocol/log-shipper.js";
import type { AwslogsConfig } from "./awslogs-config.js";
import { EngineLogReader } from "./engine-log-reader.js";
import { LAST_CHUNK, LogEventBuilder, type ShippedEvent } from "./log-event-builder.js";
import { decodePosition, encodePosition, isShipped, NOTHING, parseEventPosition, PositionCounter, RESUME_MARGIN_NS, sinceOf, type Position } from "./log-position.js";
import { nextBatch } from "./log-batches.js";
import { eventBytes, MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from "./log-limits.js";

export interface FollowerTuning {
  /** A batch that is not full waits at most this long for more events. */
  batchMs: number;
  /** A multiline event is complete once no line arrived for this long. */
  idleFlushMs: number;
  /** mode blocking: reading from the engine pauses while this much is waiting to be shipped. */
  highWaterBytes: number;
}

export const DEFAULT_TUNING: FollowerTuning = { batchMs: 200, idleFlushMs: 1000, highWaterBytes: 8 * 1024 * 1024 };

const RETRY_MS = 1000;
/**
 * How far before the latest line read a later pass starts: the other stream's lines can be
 * stamped a little earlier than lines the engine logged before them.
 */
const REREAD_NS = 1_000_000_000n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ships one container's stdout and stderr to CloudWatch Logs: follows the engine's logs API
 * (with timestamps) from the position the control plane has stored, turns lines into events
 * (log-event-builder.ts), batches them (log-batches.ts) and ships each batch until it is stored,
 * retrying through lost connections and restarts of the server. The engine keeps the output in
 * its own json-file log meanwhile, so mode blocking never blocks the container: reading just
 * pauses. mode non-blocking drops what does not fit in max-buffer-size, and counts it.
 * `done` resolves once the container has stopped and everything it wrote is stored.
 */
export class LogFollower {
  readonly done: Promise<void>;
  private queue: ShippedEvent[] = [];
  /** Each queued event's bytes as PutLogEvents counts them, computed once. */
  private sizes: number[] = [];
  private queuedBytes = 0;
  private dropped = 0;
  private ended = false;
  private disposed = false;
  private wake: () => void = () => {};
  private stream?: Readable;
  private lastTimestamp = 0;
  private droppedTotal = 0;
  private drainers: Array<{ below: number; resolve: () => void }> = [];

  constructor(
    private readonly docker: Docker,
    private readonly containerId: string,
    private readonly destination: LogDestination,
    private readonly config: AwslogsConfig,
    private readonly shipper: LogShipper,
    private readonly log: Logger,
    /** The position open() answered: what the store has already. */
    private readonly from: string | undefined,
    private readonly tuning: FollowerTuning = DEFAULT_TUNING,
  ) {
    this.done = Promise.all([this.read(), this.shipLoop()]).then(() => {});
  }

  dispose(): void {
    this.disposed = true;
    this.stream?.destroy();
    this.wake();
  }

  /** Where each stream resumes: after its stored position, or (a line stored only in part) at that line again. */
  private resumePoints(): { out?: Position; err?: Position; since: string } {
    if (this.from === undefined) return { since: "0" };
    const stored = parseEventPosition(this.from);
    const back = (p: string): Position | undefined => {
      if (p === NOTHING) return undefined;
      const d = decodePosition(p);
      return stored.chunk === LAST_CHUNK ? d : { ns: d.ns, n: d.n - 1 };
    };
    const out = back(stored.out);
    const err = back(stored.err);
    const earliest = [out, err].filter((p) => p !== undefined).map((p) => p.ns).reduce((a, b) => (a < b ? a : b));
    const since = earliest > RESUME_MARGIN_NS ? earliest - RESUME_MARGIN_NS : 0n;
    return { out, err, since: sinceOf({ ns: since, n: 0 }) };
  }

  private async read(): Promise<void> {
    let idle: NodeJS.Timeout | undefined;
    try {
      const container = this.docker.getContainer(this.containerId);
      const tty = (await container.inspect()).Config.Tty;
      const resume = this.resumePoints();
      /** Each stream's last line read (not necessarily shipped yet). */
      const last: Record<"stdout" | "stderr", Position | undefined> = { stdout: resume.out, stderr: resume.err };
      const current = { stdout: resume.out ? encodePosition(resume.out) : NOTHING, stderr: resume.err ? encodePosition(resume.err) : NOTHING };
      const partial = { stdout: "", stderr: "" };
      /** When each stream's unfinished line was last added to. */
      const partialNs = { stdout: 0n, stderr: 0n };
      let lastLine = Date.now();
      // Anything at or before the stored position was shipped already (a line stored in part is read again for its other chunks).
      const builder = new LogEventBuilder(this.config.eventStart, (e) => (isShipped(e.position, this.from) ? undefined : this.enqueue(e)));
      if (this.config.eventStart) {
        idle = setInterval(() => {
          if (builder.pending && Date.now() - lastLine >= this.tuning.idleFlushMs) builder.flush();
        }, Math.max(50, this.tuning.idleFlushMs / 4));
      }
      let since = resume.since;
      for (;;) {
        // A container stopped before a pass began is read to its end by that pass (the engine
        // does not follow a stopped container); one that was running needs another pass once its
        // stream ends: the engine ends a follow when the container stops, and now and then (seen
        // under load) before.
        const wasRunning = (await container.inspect()).State.Running;
        // Each pass skips what an earlier one read: a stream's lines at or before its last one.
        const counters = { stdout: new PositionCounter(last.stdout), stderr: new PositionCounter(last.stderr) };
        const reader = new EngineLogReader(tty);
        const stream = (await container.logs({ follow: true, stdout: true, stderr: true, timestamps: true, since: since as unknown as number })) as unknown as Readable;
        this.stream = stream;
        if (this.disposed) return void stream.destroy();
        for await (const chunk of stream) {
          lastLine = Date.now();
          for (const entry of reader.push(chunk as Buffer)) {
            const position = counters[entry.stream].next(entry.ns);
            if (!position) continue;
            last[entry.stream] = position;
            current[entry.stream] = encodePosition(position);
            // Long lines come as several entries, the last ending with the newline.
            if (!entry.text.endsWith("\n")) {
              partial[entry.stream] += entry.text;
              partialNs[entry.stream] = entry.ns;
              continue;
            }
            const text = partial[entry.stream] + entry.text.slice(0, -1);
            partial[entry.stream] = "";
            builder.line({ timestamp: Number(entry.ns / 1_000_000n), position: `${current.stdout}|${current.stderr}`, text });
          }
          if (!this.config.nonBlocking && this.queuedBytes > this.tuning.highWaterBytes) await this.drainBelow(this.tuning.highWaterBytes / 2);
          if (this.disposed) break;
        }
        if (this.disposed || !wasRunning) break;
        const latest = [last.stdout, last.stderr].filter((p) => p !== undefined).map((p) => p.ns).reduce((a, b) => (a > b ? a : b), 0n);
        since = sinceOf({ ns: latest > REREAD_NS ? latest - REREAD_NS : 0n, n: 0 });
      }
      // Output the container left without a final newline is its last event, as Docker's log
      // copier sends what remains at the end of the stream.
      if (!this.disposed) {
        for (const stream of ["stdout", "stderr"] as const) {
          if (partial[stream] !== "") builder.line({ timestamp: Number(partialNs[stream] / 1_000_000n), position: `${current.stdout}|${current.stderr}`, text: partial[stream] });
        }
      }
      builder.flush();
    } catch (err) {
      if (!this.disposed) this.log.warn({ taskArn: this.destination.taskArn, container: this.destination.container, err: (err as Error).message }, "awslogs: reading the container's output failed");
    } finally {
      if (idle) clearInterval(idle);
      this.ended = true;
      this.wake();
    }
  }

  private enqueue(e: ShippedEvent): void {
    // PutLogEvents wants a batch in chronological order; the engine's clock may step back.
    if (e.timestamp < this.lastTimestamp) e.timestamp = this.lastTimestamp;
    this.lastTimestamp = e.timestamp;
    const bytes = eventBytes(e.message);
    if (this.config.nonBlocking && this.queuedBytes + bytes > this.config.maxBufferBytes) {
      this.dropped++;
      this.droppedTotal++;
      return;
    }
    this.queue.push(e);
    this.sizes.push(bytes);
    this.queuedBytes += bytes;
    // The ship loop only needs waking for a first event or a full batch (it has a deadline otherwise).
    if (this.queue.length === 1 || this.mayBeFull()) this.wake();
  }

  private mayBeFull(): boolean {
    return this.queue.length >= MAX_BATCH_EVENTS || this.queuedBytes >= MAX_BATCH_BYTES;
  }

  private batch() {
    return nextBatch(this.queue, (i) => this.sizes[i]!);
  }

  private waitForWork(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.wake = () => (clearTimeout(timer), resolve());
    });
  }

  private drainBelow(bytes: number): Promise<void> {
    return new Promise((resolve) => this.drainers.push({ below: bytes, resolve }));
  }

  private async shipDroppedCount(): Promise<void> {
    const dropped = this.dropped;
    while (!this.disposed) {
      try {
        await this.shipper.ship(this.destination, [], dropped);
        this.dropped -= dropped;
        this.log.warn({ taskArn: this.destination.taskArn, container: this.destination.container, dropped, droppedTotal: this.droppedTotal }, "awslogs mode non-blocking: lines dropped, the buffer was full");
        return;
      } catch (err) {
        this.log.warn({ taskArn: this.destination.taskArn, container: this.destination.container, err: (err as Error).message }, "awslogs: shipping failed; retrying");
        await sleep(RETRY_MS);
      }
    }
  }

  private async shipLoop(): Promise<void> {
    for (;;) {
      if (this.disposed) break;
      if (this.queue.length === 0) {
        // Lines dropped after the last batch was taken still get counted: an empty batch carries them.
        if (this.ended && this.dropped > 0 && !this.disposed) await this.shipDroppedCount();
        if (this.ended) break;
        await this.waitForWork();
        continue;
      }
      if (!this.mayBeFull() && !this.ended) {
        // Give the batch a moment to fill, as the driver's publish interval does.
        const deadline = Date.now() + this.tuning.batchMs;
        while (!this.mayBeFull() && !this.ended && !this.disposed && Date.now() < deadline) await this.waitForWork(deadline - Date.now());
      }
      const batch = this.batch();
      const events = this.queue.slice(0, batch.count);
      const dropped = this.dropped;
      while (!this.disposed) {
        try {
          await this.shipper.ship(this.destination, events, dropped);
          break;
        } catch (err) {
          this.log.warn({ taskArn: this.destination.taskArn, container: this.destination.container, err: (err as Error).message }, "awslogs: shipping failed; retrying");
          await sleep(RETRY_MS);
        }
      }
      if (this.disposed) break;
      this.queue.splice(0, batch.count);
      this.sizes.splice(0, batch.count);
      this.queuedBytes -= batch.bytes;
      this.dropped -= dropped;
      if (dropped) this.log.warn({ taskArn: this.destination.taskArn, container: this.destination.container, dropped, droppedTotal: this.droppedTotal }, "awslogs mode non-blocking: lines dropped, the buffer was full");
      this.drainers = this.drainers.filter((d) => (this.queuedBytes < d.below ? (d.resolve(), false) : true));
    }
    this.drainers.splice(0).forEach((d) => d.resolve());
  }
}
