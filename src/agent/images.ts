import type Docker from "dockerode";
import { TaskError, engineMessage, engineStatus } from "./errors.js";

/**
 * Makes a container's image present and returns its digest: an image the engine already has is
 * used as it is (no registry round trip, so locally built images work; one inspect serves both
 * questions, which keeps the launch path short); otherwise the engine pulls it. A failure is a
 * CannotPullContainerError carrying the engine's message.
 */
export async function ensureImage(docker: Docker, image: string, container: string): Promise<string | undefined> {
  try {
    return digestOf(image, await docker.getImage(image).inspect());
  } catch (err) {
    if (engineStatus(err) !== 404) throw new TaskError("CannotPullContainerError", engineMessage(err), container);
  }
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image);
  } catch (err) {
    throw new TaskError("CannotPullContainerError", engineMessage(err), container);
  }
  const output = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(new TaskError("CannotPullContainerError", err.message, container)) : resolve(out as never))),
  );
  const failed = output.find((o) => o.error || o.errorDetail);
  if (failed) throw new TaskError("CannotPullContainerError", failed.errorDetail?.message ?? failed.error ?? "pull failed", container);
  return imageDigest(docker, image);
}

/** The image's registry digest when it came from a registry, else its local content id. */
export async function imageDigest(docker: Docker, image: string): Promise<string | undefined> {
  try {
    return digestOf(image, await docker.getImage(image).inspect());
  } catch {
    return undefined;
  }
}

function digestOf(image: string, info: Docker.ImageInspectInfo): string {
  const repo = image.replace(/[:@][^/]*$/, "");
  const digest = info.RepoDigests?.find((d) => d.startsWith(repo + "@")) ?? info.RepoDigests?.[0];
  return digest ? digest.slice(digest.indexOf("@") + 1) : info.Id;
}
