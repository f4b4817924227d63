import { validation } from "./errors.js";

/**
 * ELBv2's Describe* page with Marker and PageSize. Our marker is base64url of the position after
 * the last item returned in a stable order (creation), so it survives restarts.
 */
export function page<T>(items: T[], { Marker, PageSize }: { Marker?: string; PageSize?: number }): { items: T[]; NextMarker?: string } {
  let start = 0;
  if (Marker !== undefined) {
    const decoded = /^[A-Za-z0-9_-]+$/.test(Marker) ? Buffer.from(Marker, "base64url").toString("utf8") : "";
    const m = /^elb:(\d{1,15})$/.exec(decoded);
    if (!m) throw validation("The marker is not valid");
    start = Number(m[1]);
  }
  // PageSize's range (1-400) is the model's, checked before a handler runs.
  const size = PageSize ?? 400;
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return { items: slice, NextMarker: end < items.length ? Buffer.from(`elb:${end}`).toString("base64url") : undefined };
}
