import { randomBytes } from "node:crypto";

/** Whether a delivery comes from a schedule (rather than an EventBridge rule). */
export const isScheduleSource = (sourceArn: string) => /^arn:aws[\w-]*:scheduler:/.test(sourceArn);

/**
 * Scheduler's context attributes in a target's Input: `<aws.scheduler.schedule-arn>` and
 * `<aws.scheduler.scheduled-time>` when the schedule fires (the nominal time, as 2022-03-22T18:59:43Z).
 * Their values need no JSON escaping (ARNs of restricted characters, a time).
 */
export function withScheduleAttributes(input: string, scheduleArn: string, scheduledTime: number): string {
  return input
    .replaceAll("<aws.scheduler.schedule-arn>", scheduleArn)
    .replaceAll("<aws.scheduler.scheduled-time>", new Date(scheduledTime).toISOString().replace(/\.\d{3}Z$/, "Z"));
}

/**
 * `<aws.scheduler.execution-id>` (a new id each attempt) and `<aws.scheduler.attempt-number>`
 * (from 1), filled in by the delivery worker on each attempt of a schedule's delivery.
 */
export function withAttemptAttributes(input: string, sourceArn: string, attempt: number): string {
  if (!isScheduleSource(sourceArn) || !input.includes("<aws.scheduler.")) return input;
  return input.replaceAll("<aws.scheduler.execution-id>", randomBytes(8).toString("hex")).replaceAll("<aws.scheduler.attempt-number>", String(attempt));
}
