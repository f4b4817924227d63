import type Docker from "dockerode";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { LaunchSpec, StopRequest, TaskReport, TaskRunner } from "../ecs/task-runner.js";
import { LABEL_BERTH } from "./labels.js";

export interface DockerRunnerDeps {
  docker: Docker;
  config: Config;
  log: Logger;
  clock: Clock;
  berthId: string;
}

/** Runs tasks as containers on the local Docker engine. (Task lifecycle: in progress.) */
export function createDockerRunner({ docker, berthId }: DockerRunnerDeps): TaskRunner {
  const listeners: Array<(r: TaskReport) => void> = [];
  const mine = { label: [`${LABEL_BERTH}=${berthId}`] };
  return {
    launch(_spec: LaunchSpec) {
      throw new Error("task launch is not implemented yet");
    },
    stop(_taskArn: string, _why: StopRequest) {
      throw new Error("task stop is not implemented yet");
    },
    async logs() {
      return [];
    },
    onReport(l) {
      listeners.push(l);
    },
    async recover() {},
    async cleanup() {},
    async reset() {
      const containers = await docker.listContainers({ all: true, filters: mine });
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
      const volumes = (await docker.listVolumes({ filters: mine })).Volumes ?? [];
      await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove()));
      const networks = await docker.listNetworks({ filters: mine });
      await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove()));
    },
    async close() {},
  };
}
