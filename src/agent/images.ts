import type Docker from "dockerode";
import { TaskError, engineMessage, engineStatus } from "./errors.js";
import type { AgentContext } from "./context.js";
import type { PlannedContainer } from "./task-plan.js";
import { registryOf } from "./image-ref.js";

/** What the engine needs to pull from a registry that wants credentials (X-Registry-Auth). */
export interface PullAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/**
 * Makes a task's container image present and returns its digest. Two policies, on purpose:
 *
 * - An image in Berth's registry is pulled every time a task starts, with a password Berth
 *   issues for the account and region the image belongs to (no `docker login` on the host).
 *   This is ECS's default ECS_IMAGE_PULL_BEHAVIOR ("default": pull; if the pull fails, use the
 *   cached image), so a tag pushed again is picked up as on AWS; on loopback a pull of layers
 *   the engine already has costs one manifest round trip. Fargate keeps no image cache, so a
 *   Fargate task whose pull fails does not fall back: it stops with CannotPullContainerError.
 * - Any other image the engine already has is used as it is (no registry round trip, so locally
 *   built images work; one inspect answers presence and digest); otherwise the engine pulls it.
 *
 * A failure is a CannotPullContainerError carrying the engine's message, in which Berth's
 * registry host is put back to the host the task definition names (an ECR URI stays one).
 */
export async function ensureTaskImage(
  ctx: AgentContext, c: PlannedContainer,
  { fargate, login, password }: { fargate: boolean; login?: { username: string; password: string }; password?: string },
): Promise<string | undefined> {
  const { docker, registry } = ctx;
  if (c.registryScope === undefined || registry === undefined) {
    // repositoryCredentials: a private registry's login, used when the engine must pull.
    const auth = login ? { ...login, serveraddress: registryOf(c.image) ?? "docker.io" } : undefined;
    return ensureImage(docker, c.image, c.name, auth);
  }
  const serveraddress = registryOf(c.image) ?? registry.host();
  // The task's own password (issued to its execution role's session under iamEnforcement: the
  // registry decides whether that role may pull), else the latest one carried for the scope.
  const auth: PullAuth = { username: "AWS", password: password ?? registry.password(c.registryScope), serveraddress };
  try {
    await pullImage(docker, c.image, c.name, auth);
  } catch (err) {
    const cached = fargate ? undefined : await imageDigest(docker, c.image);
    if (cached !== undefined) {
      ctx.log.warn({ image: c.def.image, err: (err as Error).message }, "pull failed; using the cached image (ECS_IMAGE_PULL_BEHAVIOR=default)");
      return cached;
    }
    throw err instanceof TaskError ? new TaskError(err.errorName, asWritten(err.message, c), c.name) : err;
  }
  return imageDigest(docker, c.image);
}

/** The engine's message with the mapped registry host replaced by the one the definition names. */
function asWritten(message: string, c: PlannedContainer): string {
  const original = c.def.image ?? c.image;
  const from = registryOf(c.image);
  const to = registryOf(original);
  return from && to && from !== to ? message.split(`${from}/`).join(`${to}/`) : message;
}

/** An image the engine already has is used as it is; otherwise the engine pulls it (no credentials). */
export async function ensureImage(docker: Docker, image: string, container: string, auth?: PullAuth): Promise<string | undefined> {
  try {
    return digestOf(image, await docker.getImage(image).inspect());
  } catch (err) {
    if (engineStatus(err) !== 404) throw new TaskError("CannotPullContainerError", engineMessage(err), container);
  }
  await pullImage(docker, image, container, auth);
  return imageDigest(docker, image);
}

/** Pulls through the engine and waits for the end of its progress stream; failures are CannotPullContainerError. */
async function pullImage(docker: Docker, image: string, container: string, authconfig?: PullAuth): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    // dockerode sends authconfig as the X-Registry-Auth header, never in the URL.
    stream = await docker.pull(image, authconfig ? { authconfig } : {});
  } catch (err) {
    throw new TaskError("CannotPullContainerError", engineMessage(err), container);
  }
  const output = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(new TaskError("CannotPullContainerError", err.message, container)) : resolve(out as never))),
  );
  const failed = output.find((o) => o.error || o.errorDetail);
  if (failed) throw new TaskError("CannotPullContainerError", failed.errorDetail?.message ?? failed.error ?? "pull failed", container);
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
