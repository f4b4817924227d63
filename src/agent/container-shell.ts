import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import { LABEL_BERTH, LABEL_CONTAINER, LABEL_TASK } from "./labels.js";

/** A command running in a container with a terminal: what a data channel drives. */
export interface Shell {
  write(data: Buffer): void;
  resize(cols: number, rows: number): void;
  onOutput(listener: (data: Buffer) => void): void;
  /** Stops reading the command's output (it blocks once its terminal's buffer fills), until resume. */
  pause(): void;
  resume(): void;
  /** Called once, when the command has ended (its exit code when Docker knows it). */
  onExit(listener: (exitCode: number | undefined) => void): void;
  /** Ends the command's input and the connection to it (the client went away). */
  close(): void;
}

/** Where an exec may run: one container of one task, as Berth labelled it. */
export interface ShellTarget {
  taskArn: string;
  containerName: string;
  runtimeId: string;
}

export interface ContainerShells {
  /** Whether the target's container runs on this server's engine, as Berth's container of that task. */
  reachable(target: ShellTarget): Promise<boolean>;
  /** Starts `argv` in the container with a TTY (docker exec -it). */
  open(target: ShellTarget, argv: string[]): Promise<Shell>;
}

/**
 * `docker exec` with a TTY in a task's container on the local engine. The container is checked
 * against Berth's labels (this Berth's or agent's namespace, task ARN and container name) before
 * anything runs in it, so a session reaches the one container it was issued for and nothing else
 * on the engine, not even another agent's container there.
 */
export function dockerShells(docker: Docker, berthId: string): ContainerShells {
  const owned = async (t: ShellTarget) => {
    try {
      const info = await docker.getContainer(t.runtimeId).inspect();
      const labels = info.Config.Labels ?? {};
      return info.State.Running && labels[LABEL_BERTH] === berthId && labels[LABEL_TASK] === t.taskArn && labels[LABEL_CONTAINER] === t.containerName;
    } catch {
      return false;
    }
  };
  return {
    reachable: owned,
    async open(target, argv) {
      if (!(await owned(target))) throw new Error("the task's container is not running on this engine");
      const exec = await docker.getContainer(target.runtimeId).exec({ Cmd: argv, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true });
      const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
      let exited: ((code: number | undefined) => void) | undefined;
      let done = false;
      const finish = async () => {
        if (done) return;
        done = true;
        const code = await exec.inspect().then((i) => i.ExitCode ?? undefined, () => undefined);
        exited?.(code);
      };
      stream.on("end", finish);
      stream.on("close", finish);
      stream.on("error", finish);
      return {
        write: (data) => void (done || stream.write(data)),
        // Resizing an exec that just ended fails; nothing to do about it.
        resize: (cols, rows) => void exec.resize({ w: cols, h: rows }).catch(() => {}),
        onOutput: (listener) => void stream.on("data", listener),
        pause: () => void stream.pause(),
        resume: () => void stream.resume(),
        onExit: (listener) => void (exited = listener),
        close: () => stream.destroy(),
      };
    },
  };
}
