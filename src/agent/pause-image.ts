import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { pauseArch, pauseElf, type PauseArch } from "./pause-elf.js";
import { tar } from "./tar.js";
import { engineMessage, engineStatus } from "./errors.js";

export const PAUSE_REPOSITORY = "berth/pause";

/** The build context: the hand-written ELF and a FROM scratch Dockerfile. Pure. */
export function pauseContext(arch: PauseArch): { tag: string; context: Buffer } {
  const dockerfile = 'FROM scratch\nCOPY pause /pause\nSTOPSIGNAL SIGTERM\nENTRYPOINT ["/pause"]\n';
  const context = tar([
    { name: "Dockerfile", data: Buffer.from(dockerfile) },
    { name: "pause", data: pauseElf(arch), mode: 0o755 },
  ]);
  // The tag is the content's hash: a new generator gives a new image, the same one is built once.
  const version = createHash("sha256").update(context).digest("hex").slice(0, 12);
  return { tag: `${PAUSE_REPOSITORY}:${version}`, context };
}

/**
 * Makes sure the pause image exists on the engine, building it (never pulling) when absent.
 * Resolves with the image reference to run.
 */
export async function ensurePauseImage(docker: Docker): Promise<string> {
  const info = (await docker.info()) as { Architecture?: string };
  const arch = pauseArch(info.Architecture ?? "");
  if (!arch) throw new Error(`no pause program for engine architecture ${info.Architecture}`);
  const { tag, context } = pauseContext(arch);
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch (err) {
    if (engineStatus(err) !== 404) throw new Error(engineMessage(err));
  }
  const stream = await docker.buildImage(Readable.from([context]), { t: tag, labels: { "berth.image": "pause" } });
  const output = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out as never))),
  );
  const failed = output.find((o) => o.error || o.errorDetail);
  if (failed) throw new Error(failed.errorDetail?.message ?? failed.error);
  return tag;
}
