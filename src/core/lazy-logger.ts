import type { FastifyBaseLogger } from "fastify";

type Bindings = Record<string, unknown>;
type ChildOptions = Parameters<FastifyBaseLogger["child"]>[1];
type Call = (...args: unknown[]) => void;

/**
 * A child logger that makes the real (pino) child only when something is first logged through
 * it. Fastify makes a child per request for `req.log`, and the gateway another per operation;
 * most requests log nothing, and pino's child() (serializing the bindings through the redaction
 * rules) was about a tenth of a cheap read's server time. What is logged is the same: the real
 * child gets the same bindings and options when it is made. Methods live on the prototype, so a
 * request allocates one small object and no closures.
 */
export class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options?: ChildOptions,
  ) {}

  /** The real logger; a lazy parent makes its own real one first (a lazy child of it would recurse). */
  get #logger(): FastifyBaseLogger {
    if (this.#real) return this.#real;
    const parent = this.parent instanceof LazyChildLogger ? this.parent.#logger : this.parent;
    return (this.#real = parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#real?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#logger.level = level;
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return lazyChild(this as unknown as FastifyBaseLogger, bindings, options);
  }

  fatal(...args: unknown[]) {
    const l = this.#logger;
    (l.fatal as Call).apply(l, args);
  }
  error(...args: unknown[]) {
    const l = this.#logger;
    (l.error as Call).apply(l, args);
  }
  warn(...args: unknown[]) {
    const l = this.#logger;
    (l.warn as Call).apply(l, args);
  }
  info(...args: unknown[]) {
    const l = this.#logger;
    (l.info as Call).apply(l, args);
  }
  debug(...args: unknown[]) {
    const l = this.#logger;
    (l.debug as Call).apply(l, args);
  }
  trace(...args: unknown[]) {
    const l = this.#logger;
    (l.trace as Call).apply(l, args);
  }
  silent() {}
}

export const lazyChild = (parent: FastifyBaseLogger, bindings: Bindings, options?: ChildOptions): FastifyBaseLogger =>
  new LazyChildLogger(parent, bindings, options) as unknown as FastifyBaseLogger;
