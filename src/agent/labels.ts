/**
 * Labels on every container, network and volume Berth creates. They let a restarted server
 * adopt what still runs, and let reset remove exactly what this Berth (this data directory)
 * started, even when several Berths share one engine.
 */
export const LABEL_BERTH = "berth.instance";
export const LABEL_CLUSTER = "berth.cluster";
export const LABEL_TASK = "berth.task-arn";
export const LABEL_CONTAINER = "berth.container-name";
/** Marks the helper container that holds an awsvpc task's network namespace. */
export const LABEL_PAUSE = "berth.pause";
/** On an awsvpc task's pause container: the private IPv4 address the task was given. */
export const LABEL_TASK_IP = "berth.task-ip";
/** On a task-scoped Docker volume: the task definition's volume name. */
export const LABEL_VOLUME = "berth.volume-name";
