import { randomBytes } from "node:crypto";
import { isScheduleSource } from "./context-attributes.js";

/** What every dead-letter message says of the failure (EventBridge's and Scheduler's names alike). */
export interface FailureAttributes {
  TARGET_ARN: string;
  ERROR_CODE: string;
  ERROR_MESSAGE: string;
  RETRY_ATTEMPTS: string;
  EXHAUSTED_RETRY_CONDITION?: string;
}

/**
 * The message attributes of a dead-letter message: a rule's carry RULE_ARN, as EventBridge writes
 * them; a schedule's Scheduler's own: SCHEDULE_ARN, SCHEDULED_TIME (when the invocation was made),
 * EXECUTION_ID, IS_PAYLOAD_TRUNCATED (the whole input is always sent).
 */
export function deadLetterAttributes(sourceArn: string, firedAt: number, failure: FailureAttributes): Record<string, string> {
  if (!isScheduleSource(sourceArn)) return { RULE_ARN: sourceArn, ...failure };
  return {
    ...failure, SCHEDULE_ARN: sourceArn, SCHEDULED_TIME: new Date(firedAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    EXECUTION_ID: randomBytes(8).toString("hex"), IS_PAYLOAD_TRUNCATED: "false",
  };
}
