import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListServicesCommand, ListTasksCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand,
} from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";

/**
 * The console's reads made once when Berth starts (src/console/console-warm-up.ts), so that the
 * first page load after `berth up` is not the one that meets a cold process: they run over the
 * busiest cluster's data, are accepted by a strict-SigV4 Berth (signed with its configured key),
 * and change nothing an API caller can see.
 */
const KEY = "AKIAWARMUPTEST000001";
const SECRET = "warm-up-test-secret";
const credentials = { accessKeyId: KEY, secretAccessKey: SECRET };

/** What a caller sees of a cluster: its counts, every service (deployments, events) and every task, described. */
async function everything(ecs: ECSClient, cluster: string) {
  const [described] = (await ecs.send(new DescribeClustersCommand({ clusters: [cluster], include: ["STATISTICS", "SETTINGS", "CONFIGURATIONS", "TAGS"] }))).clusters ?? [];
  const serviceArns = (await ecs.send(new ListServicesCommand({ cluster, maxResults: 100 }))).serviceArns ?? [];
  const services = serviceArns.length ? (await ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns, include: ["TAGS"] }))).services : [];
  const taskArns = (await Promise.all((["RUNNING", "STOPPED"] as const).map(async (desiredStatus) => (await ecs.send(new ListTasksCommand({ cluster, desiredStatus }))).taskArns ?? []))).flat();
  const tasks = taskArns.length ? (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns, include: ["TAGS"] }))).tasks : [];
  return { cluster: described, services, tasks };
}

/** The log line the warm-up writes when it is done (debug), with the cluster it read. */
const warmedUp = (berth: BerthProcess) => berth.logLines.find((l) => l.msg === "console reads warmed up") as { cluster?: string } | undefined;

test("a restarted Berth reads the busiest cluster's console page once at start, signed, and changes nothing", async () => {
  const args = ["--strict-sigv4", "--credentials", `${KEY}:${SECRET}`, "--instances", "1"];
  const first = await BerthProcess.start({ args, credentials });
  let second: BerthProcess | undefined;
  try {
    const ecs = new ECSClient({ endpoint: first.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
    // "shop" has the most services; "default" (--instances) a container instance, a service and stopped tasks.
    await ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", networkMode: "bridge", containerDefinitions: [{ name: "app", image: "busybox", memory: 8 }] }));
    for (const name of ["api", "cart", "web"]) await ecs.send(new CreateServiceCommand({ cluster: "shop", serviceName: name, taskDefinition: "web", desiredCount: 0 }));
    await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "batch", taskDefinition: "web", desiredCount: 0 }));
    // Stopped tasks without a container: an image that is not in Berth's registry fails to pull.
    const repo = (await new ECRClient({ endpoint: first.endpoint, region: "us-east-1", credentials, maxAttempts: 1 }).send(new CreateRepositoryCommand({ repositoryName: "warm-up/absent" }))).repository!;
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "absent", networkMode: "bridge", containerDefinitions: [{ name: "app", image: `${repo.repositoryUri}:nothing`, memory: 8 }] }));
    await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "absent", count: 3 }));
    await waitFor("3 stopped tasks", async () => ((await ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus: "STOPPED" }))).taskArns?.length === 3 && (await ecs.send(new ListTasksCommand({ cluster: "default" }))).taskArns?.length === 0) || undefined);
    const before = { shop: await everything(ecs, "shop"), default: await everything(ecs, "default") };
    assert.equal(before.shop.services?.length, 3);
    assert.equal(before.default.tasks?.length, 3);

    await first.stop();
    second = await BerthProcess.start({ args: [...args, "--log-level", "debug"], dataDir: first.dataDir, credentials });
    const done = await waitFor("the warm-up's log line", async () => warmedUp(second!), 30_000);
    assert.equal(done.cluster, "shop");
    // Nothing refused its signed calls (a refusal would have stopped it before its log line).
    assert.equal(second.logLines.find((l) => l.msg === "console warm-up stopped"), undefined);
    const again = new ECSClient({ endpoint: second.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
    const after = { shop: await everything(again, "shop"), default: await everything(again, "default") };
    assert.deepEqual(after, before);
  } finally {
    // The second server does not own the data directory: the first removes it.
    if (second) await second.dispose();
    await first.dispose();
  }
});

test("a Berth with no cluster has nothing to warm up and says nothing of it", async () => {
  const berth = await BerthProcess.start({ args: ["--log-level", "debug"] });
  try {
    const ecs = berth.ecs();
    // An API call answered: the server is up and any warm-up of an empty account long done.
    await ecs.send(new ListServicesCommand({ cluster: "default" })).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(warmedUp(berth), undefined);
    assert.equal(berth.logLines.find((l) => l.msg === "console warm-up stopped"), undefined);
  } finally {
    await berth.dispose();
  }
});
