import { lowerName } from "./header-names.js";

/**
 * One request's head as llhttp delivered it: method, target and the raw header list (names as the
 * client wrote them, every occurrence, in order). Lookups scan the list; the by-name map that
 * http-header conditions read is built only when one asks for it.
 */
export class RequestHead {
  private distinct: Record<string, string[]> | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    /** [name, value, name, value, ...] */
    readonly rawHeaders: readonly string[],
    readonly versionMinor: number,
    /** llhttp's verdict from the version and Connection header: the client wants the connection kept. */
    readonly keepAlive: boolean,
    /** An Upgrade request (Connection: upgrade and Upgrade both present). */
    readonly upgrade: boolean,
    /** The client's address (IPv4-mapped IPv6 written as plain IPv4). */
    readonly clientAddress: string,
  ) {}

  /** The first value of header `wanted` (lower case), as node's req.headers keeps for single-valued headers. */
  header(wanted: string): string | undefined {
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === wanted.length && lowerName(name) === wanted) return raw[i + 1];
    }
    return undefined;
  }

  /** Every value of header `lowerName` joined as node joins them (", ", or "; " for Cookie). */
  joined(lowerName: string): string | undefined {
    const values = this.headers[lowerName];
    return values && values.join(lowerName === "cookie" ? "; " : ", ");
  }

  get host(): string | undefined {
    return this.header("host");
  }

  /** Header values by lower-case name, each occurrence separately (node's headersDistinct). */
  get headers(): Readonly<Record<string, string[]>> {
    if (this.distinct) return this.distinct;
    const map: Record<string, string[]> = Object.create(null);
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) (map[lowerName(raw[i]!)] ??= []).push(raw[i + 1]!);
    return (this.distinct = map);
  }
}
