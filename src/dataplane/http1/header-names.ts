/**
 * Header names in lower case, remembered: every request and response brings the same few names
 * (Host, Content-Type, ...) as new strings from llhttp, and lower-casing each one anew would
 * allocate a string per header per message for the young generation to collect. A lookup hashes
 * the name and allocates nothing. At most 1,024 distinct names are kept (names beyond are lowered
 * every time), so a client sending random header names cannot grow it.
 */
const lowered = new Map<string, string>();

export function lowerName(name: string): string {
  let lower = lowered.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowered.size < 1024) lowered.set(name, lower);
  }
  return lower;
}
