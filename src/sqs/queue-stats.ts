/**
 * What a queue's AWS/SQS counters count between two publications of its metrics: messages sent
 * (with their sizes), received and deleted, and receives that found nothing.
 */
export interface QueueStats {
  sent: number;
  sentBytes: number;
  sentMin: number;
  sentMax: number;
  received: number;
  deleted: number;
  emptyReceives: number;
}

export const newQueueStats = (): QueueStats => ({ sent: 0, sentBytes: 0, sentMin: Infinity, sentMax: 0, received: 0, deleted: 0, emptyReceives: 0 });

/** A message a producer sent (not one a redrive moved: AWS does not count those as sent). */
export function countSent(stats: QueueStats, bytes: number): void {
  stats.sent++;
  stats.sentBytes += bytes;
  if (bytes < stats.sentMin) stats.sentMin = bytes;
  if (bytes > stats.sentMax) stats.sentMax = bytes;
}
