import type { ListenerConfig } from "../snapshot.js";

/**
 * What a listener's attributes do to every response it sends (the ALB guide, "HTTP header
 * modification"): each routing.http.response.*.header_value set adds its header "to all
 * responses", the load balancer's own answers as much as the targets' ("If the response from
 * target includes the HTTP response header, the load balancer updates the header value to be the
 * configured value"), and routing.http.response.server.enabled false takes `Server: awselb/2.0`
 * off the load balancer's own answers (a target's Server header is the target's and passes).
 */
export interface ResponseDecoration {
  /** The headers' lines, `Name: value\r\n` each, written once per snapshot. */
  readonly lines: string;
  /** Their names in lower case: a target's header of one of these names is dropped for ours. */
  readonly replaced: ReadonlySet<string>;
  /** Whether the load balancer's own answers carry `Server: awselb/2.0`. */
  readonly server: boolean;
}

// A snapshot's listener objects are immutable: each one's decoration is made once.
const decorations = new WeakMap<ListenerConfig, ResponseDecoration>();

/**
 * The listener's decoration, or undefined when its attributes change nothing (the usual case,
 * told apart by two property reads, with no lookup).
 */
export function decorationOf(listener: ListenerConfig | undefined): ResponseDecoration | undefined {
  if (listener === undefined || (listener.ResponseHeaders === undefined && listener.ServerHeader !== false)) return undefined;
  let decoration = decorations.get(listener);
  if (decoration === undefined) {
    const headers = listener.ResponseHeaders ?? [];
    decoration = {
      lines: headers.map((h) => `${h.Name}: ${h.Value}\r\n`).join(""),
      replaced: new Set(headers.map((h) => h.Name.toLowerCase())),
      server: listener.ServerHeader !== false,
    };
    decorations.set(listener, decoration);
  }
  return decoration;
}
