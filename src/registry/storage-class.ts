/**
 * ECR's image storage classes (STANDARD and ARCHIVE) as an image's status: ACTIVE (standard),
 * ARCHIVED, or ACTIVATING while a restore runs. Derived from two times kept with the manifest
 * rather than stored as a state, so that a restore completes without a timer (and across a
 * restart): lastActivatedAt is set, when a restore starts, to the moment it completes.
 */
export type ImageStatus = "ACTIVE" | "ARCHIVED" | "ACTIVATING";

/**
 * How long a restore stays ACTIVATING. ECR takes up to 20 minutes (its user guide); Berth keeps
 * the bytes on the same disk, so only the states are shown, briefly.
 */
export const RESTORE_MS = 2_000;

export interface StorageTimes {
  archivedAt?: Date;
  activatedAt?: Date;
}

export function imageStatus({ archivedAt, activatedAt }: StorageTimes, now: Date): ImageStatus {
  if (!archivedAt) return "ACTIVE";
  if (!activatedAt || activatedAt.getTime() <= archivedAt.getTime()) return "ARCHIVED";
  return activatedAt.getTime() > now.getTime() ? "ACTIVATING" : "ACTIVE";
}

/** lastActivatedAt as ECR shows it: only once a restore has completed. */
export function lastActivatedAt(times: StorageTimes, now: Date): Date | undefined {
  return imageStatus(times, now) === "ACTIVE" ? times.activatedAt : undefined;
}
