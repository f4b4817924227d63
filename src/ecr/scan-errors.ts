import { ServiceError } from "../core/errors.js";

/** ECR's exceptions for image scanning, worded as ECR words them where that is known. */
const err = (code: string, message: string) => new ServiceError(code, message);

const idText = (id: { imageDigest?: string; imageTag?: string }) => `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;

export const scanNotFound = (id: { imageDigest?: string; imageTag?: string }, name: string, account: string) =>
  err("ScanNotFoundException", `Image scan does not exist for the image with '${idText(id)}' in the repository with name '${name}' in the registry with id '${account}'`);

/** StartImageScan: "A basic image scan can only be started once per 24 hours on an individual image." */
export const scanQuotaExceeded = () => err("LimitExceededException", "The scan quota per image has been exceeded. Wait and try again.");

export const unsupportedImageType = (why: string) => err("UnsupportedImageTypeException", `The image is of a type that cannot be scanned: ${why}`);
