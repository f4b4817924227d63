import { randomBytes, randomUUID } from "node:crypto";

/** ECS task ids are 32 lower-case hex characters. */
export const newTaskId = () => randomBytes(16).toString("hex");
export const newRequestId = () => randomUUID();
export const newUuid = () => randomUUID();
