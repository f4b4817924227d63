/**
 * Bounds on the work one scan does, so that a hostile or huge image cannot exhaust the
 * server's memory or keep a scan running forever. A scan that reaches one fails (FAILED, with
 * the limit named) rather than reporting an inventory it did not finish reading.
 */
export interface ScanLimits {
  /** A wanted file larger than this is skipped unread (lock files and databases are far smaller). */
  maxFileBytes: number;
  /** Bytes of wanted files read in all, across layers. */
  maxReadBytes: number;
  /** Uncompressed tar bytes streamed through, across layers (a decompression bomb stops here). */
  maxTarBytes: number;
  /** Tar entries across layers. */
  maxEntries: number;
  /** Package databases and lock files read across layers (each is kept until the last layer). */
  maxFiles: number;
  /** Packages kept across layers. */
  maxPackages: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxReadBytes: 256 * 1024 * 1024,
  maxTarBytes: 32 * 1024 * 1024 * 1024,
  maxEntries: 2_000_000,
  maxFiles: 100_000,
  maxPackages: 200_000,
};

export class ScanLimitError extends Error {}

/** The scan was stopped from outside (the server is closing); it is neither complete nor failed. */
export class ScanAbortedError extends Error {}

/** Counts a scan's work against its limits; throws ScanLimitError past one. */
export class ScanBudget {
  private tarBytes = 0;
  private entries = 0;
  private readBytes = 0;
  private packages = 0;
  private files = 0;

  /** `stopped` is polled at every tar entry, so a scan stops promptly when asked to. */
  constructor(readonly limits: ScanLimits = DEFAULT_LIMITS, private readonly stopped: () => boolean = () => false) {}

  tar(bytes: number): void {
    this.tarBytes += bytes;
    if (this.tarBytes > this.limits.maxTarBytes) throw new ScanLimitError(`the image's layers hold more than ${this.limits.maxTarBytes} uncompressed bytes`);
  }

  entry(): void {
    if (this.stopped()) throw new ScanAbortedError("the scan was stopped");
    if (++this.entries > this.limits.maxEntries) throw new ScanLimitError(`the image's layers hold more than ${this.limits.maxEntries} files`);
  }

  read(bytes: number): void {
    if (++this.files > this.limits.maxFiles) throw new ScanLimitError(`the image holds more than ${this.limits.maxFiles} package databases and lock files`);
    this.readBytes += bytes;
    if (this.readBytes > this.limits.maxReadBytes) throw new ScanLimitError(`the image's package databases exceed ${this.limits.maxReadBytes} bytes`);
  }

  found(count: number): void {
    this.packages += count;
    if (this.packages > this.limits.maxPackages) throw new ScanLimitError(`the image lists more than ${this.limits.maxPackages} packages`);
  }
}
