import { ServiceError } from "../core/errors.js";
import { BATCH_ENTRY_ID } from "./message-input.js";

const MAX_ENTRIES = 10;

/**
 * The batch operations' shared rules: 1 to 10 entries with distinct, well-formed ids (else the
 * whole request fails), then each entry on its own: a failing entry is reported in `Failed`
 * with its error's code and changes nothing, the others succeed.
 */
export function batch<E extends { Id?: string }, R>(entries: E[], entryName: string, each: (entry: E) => R): { Successful: Array<R & { Id: string }>; Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> } {
  if (entries.length === 0) throw new ServiceError("EmptyBatchRequest", `There should be at least one ${entryName} in the request.`);
  if (entries.length > MAX_ENTRIES) throw new ServiceError("TooManyEntriesInBatchRequest", `Maximum number of entries per request are ${MAX_ENTRIES}. You have sent ${entries.length}.`);
  const ids = new Set<string>();
  for (const e of entries) {
    if (!BATCH_ENTRY_ID.test(e.Id ?? "")) {
      throw new ServiceError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
    }
    if (ids.has(e.Id!)) throw new ServiceError("BatchEntryIdsNotDistinct", `Id ${e.Id} repeated.`);
    ids.add(e.Id!);
  }
  const Successful: Array<R & { Id: string }> = [];
  const Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
  for (const e of entries) {
    try {
      Successful.push({ Id: e.Id!, ...each(e) });
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      Failed.push({ Id: e.Id!, SenderFault: err.sender, Code: err.code, Message: err.message });
    }
  }
  return { Successful, Failed };
}
