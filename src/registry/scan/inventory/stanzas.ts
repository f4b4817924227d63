/**
 * Splits RFC 822-style control data (dpkg's status file) into paragraphs of fields. Continuation
 * lines (starting with a space or tab) belong to the field above and are not needed, so they
 * are skipped; field names are kept as written.
 */
export function* paragraphs(text: string): Generator<Map<string, string>> {
  let fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") {
      if (fields.size) yield fields;
      fields = new Map();
      continue;
    }
    if (line[0] === " " || line[0] === "\t") continue;
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  if (fields.size) yield fields;
}
