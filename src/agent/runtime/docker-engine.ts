import Docker from "dockerode";

export class DockerUnavailableError extends Error {}

/** Connects to the engine and checks it answers, so `berth up` can fail with one clear sentence. */
export async function connectDocker(socketPath: string): Promise<Docker> {
  const docker = new Docker({ socketPath });
  try {
    await docker.ping();
  } catch {
    throw new DockerUnavailableError(
      `No Docker engine answers at ${socketPath}: start one (on Debian: apt-get install docker.io && dockerd &) or point BERTH_DOCKER_SOCKET at a running engine.`,
    );
  }
  return docker;
}
