import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from "@aws-sdk/client-ecs";
import { ServiceError } from "../../core/errors.js";
import { normalizeRegistration } from "./task-definition-validation.js";

const web: ContainerDefinition = { name: "web", image: "busybox", memory: 128 };
const req = (over: Partial<RegisterTaskDefinitionRequest> = {}): RegisterTaskDefinitionRequest => ({
  family: "app",
  containerDefinitions: [web],
  ...over,
});
const fargate = (over: Partial<RegisterTaskDefinitionRequest> = {}) =>
  req({ requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "web", image: "busybox" }], ...over });

/** Asserts that registering fails with exactly this exception and message. */
function rejects(input: RegisterTaskDefinitionRequest, code: string, message: string) {
  assert.throws(() => normalizeRegistration(input), (e: unknown) => {
    assert.ok(e instanceof ServiceError, `expected a ServiceError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

test("defaults are filled in as ECS shows them", () => {
  const td = normalizeRegistration(req({ containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80 }], healthCheck: { command: ["CMD", "true"] } }] }));
  const c = td.containerDefinitions![0]!;
  assert.equal(c.cpu, 0);
  assert.equal(c.essential, true);
  assert.deepEqual(c.environment, []);
  assert.deepEqual(c.mountPoints, []);
  assert.deepEqual(c.volumesFrom, []);
  assert.deepEqual(c.portMappings, [{ containerPort: 80, hostPort: 0, protocol: "tcp" }]);
  assert.deepEqual(c.healthCheck, { command: ["CMD", "true"], interval: 30, timeout: 5, retries: 3 });
  assert.equal("networkMode" in td, false, "ECS leaves networkMode absent when it was not given");
  assert.deepEqual(td.compatibilities, ["EXTERNAL", "EC2"]);
  assert.deepEqual(td.volumes, []);
  assert.deepEqual(td.placementConstraints, []);
  assert.equal("cpu" in td, false);
});

test("task sizes are stored as ECS returns them", () => {
  const td = normalizeRegistration(req({ cpu: "1 vCPU", memory: "2 GB" }));
  assert.equal(td.cpu, "1024");
  assert.equal(td.memory, "2048");
  rejects(req({ cpu: "lots" }), "ClientException", "Invalid 'cpu' setting for task.");
  rejects(req({ cpu: "64" }), "ClientException", "Invalid 'cpu' setting for task.");
  rejects(req({ cpu: "" }), "InvalidParameterException", "Invalid 'cpu' setting for task.");
  rejects(req({ memory: "2 TB" }), "ClientException", "Invalid 'memory' setting for task.");
  rejects(req({ memory: "0" }), "ClientException", "Invalid 'memory' setting for task.");
});

test("family and container names follow ECS's rules", () => {
  rejects(req({ family: "" }), "ClientException", "Family can not be blank.");
  rejects(req({ family: "my app" }), "ClientException", "Family contains invalid characters.");
  rejects(req({ family: "a:1" }), "ClientException", "Family contains invalid characters.");
  rejects(req({ family: "x".repeat(256) }), "ClientException", "Family name can have up to 255 characters.");
  assert.equal(normalizeRegistration(req({ family: "x".repeat(255) })).family?.length, 255);
  rejects(req({ containerDefinitions: [] }), "ClientException", "Container list cannot be empty.");
  const eleven = Array.from({ length: 11 }, (_, i) => ({ ...web, name: `c${i}` }));
  rejects(req({ containerDefinitions: eleven }), "ClientException", "Too many containers.");
  assert.equal(normalizeRegistration(req({ containerDefinitions: eleven.slice(0, 10) })).containerDefinitions?.length, 10);
  rejects(req({ containerDefinitions: [{ image: "busybox", memory: 64 }] }), "ClientException", "Container.name should not be null or empty.");
  rejects(req({ containerDefinitions: [{ ...web, name: "we b" }] }), "ClientException", "Container.name contains invalid characters.");
  rejects(req({ containerDefinitions: [{ name: "web", memory: 64 }] }), "ClientException", "Container.image should not be null or empty.");
  rejects(req({ containerDefinitions: [{ ...web, image: " " }] }), "ClientException", "Container.image should not be null or empty.");
  rejects(req({ containerDefinitions: [web, web] }), "ClientException", "Container names must be unique within a Task Definition.");
});

test("memory rules: container memory unless the task has some, reservation within the limit", () => {
  rejects(req({ containerDefinitions: [{ name: "web", image: "busybox" }] }), "ClientException",
    "Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified.");
  assert.ok(normalizeRegistration(req({ memory: "512", containerDefinitions: [{ name: "web", image: "busybox" }] })));
  assert.ok(normalizeRegistration(req({ containerDefinitions: [{ name: "web", image: "busybox", memoryReservation: 64 }] })));
  assert.ok(normalizeRegistration(req({ containerDefinitions: [{ ...web, memory: 128, memoryReservation: 128 }] })));
  rejects(req({ containerDefinitions: [{ ...web, memory: 128, memoryReservation: 256 }] }), "ClientException",
    "Invalid setting for container 'web'. 'memory' must be greater than or equal to 'memoryReservation'.");
  rejects(req({ memory: "256", containerDefinitions: [{ ...web, memory: 512 }] }), "ClientException",
    "The 'memory' setting for container 'web' is greater than for the task.");
  rejects(req({ cpu: "256", containerDefinitions: [{ ...web, cpu: 200 }, { ...web, name: "b", cpu: 100 }] }), "ClientException",
    "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.");
});

test("essential defaults to true and one container must be essential", () => {
  const td = normalizeRegistration(req({ containerDefinitions: [{ ...web, essential: false }, { ...web, name: "b" }] }));
  assert.deepEqual(td.containerDefinitions?.map((c) => c.essential), [false, true]);
  rejects(req({ containerDefinitions: [{ ...web, essential: false }] }), "ClientException", "Task definition doesn't have any essential container.");
});

test("port mappings follow the network mode", () => {
  const vpc = normalizeRegistration(req({ networkMode: "awsvpc", containerDefinitions: [{ ...web, portMappings: [{ containerPort: 8080 }, { containerPort: 53, hostPort: 53, protocol: "udp" }] }] }));
  assert.deepEqual(vpc.containerDefinitions![0]!.portMappings, [
    { containerPort: 8080, hostPort: 8080, protocol: "tcp" },
    { containerPort: 53, hostPort: 53, protocol: "udp" },
  ]);
  rejects(req({ networkMode: "awsvpc", containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80, hostPort: 8080 }] }] }), "ClientException",
    "When networkMode=awsvpc, the host ports and container ports in port mappings must match.");
  rejects(req({ networkMode: "host", containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80, hostPort: 0 }] }] }), "ClientException",
    "When networkMode=host, the host ports and container ports in port mappings must match.");
  const bridge = normalizeRegistration(req({ networkMode: "bridge", containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80, hostPort: 8080 }] }] }));
  assert.equal(bridge.containerDefinitions![0]!.portMappings![0]!.hostPort, 8080);
  rejects(req({ networkMode: "none", containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80 }] }] }), "ClientException",
    "Port mappings are not supported when networkMode=none.");
});

test("links only in bridge mode, hostname not in awsvpc", () => {
  assert.ok(normalizeRegistration(req({ containerDefinitions: [{ ...web, links: ["db"] }, { ...web, name: "db" }] })));
  rejects(req({ networkMode: "awsvpc", containerDefinitions: [{ ...web, links: ["db"] }, { ...web, name: "db" }] }), "ClientException",
    "Links are not supported when networkMode=awsvpc.");
  rejects(req({ networkMode: "host", containerDefinitions: [{ ...web, links: ["db"] }, { ...web, name: "db" }] }), "ClientException",
    "Links are not supported when networkMode=host.");
  assert.equal(normalizeRegistration(req({ containerDefinitions: [{ ...web, hostname: "h" }] })).containerDefinitions![0]!.hostname, "h");
  rejects(req({ networkMode: "awsvpc", containerDefinitions: [{ ...web, hostname: "h" }] }), "ClientException",
    "hostname is not supported on container when networkMode=awsvpc.");
});

test("dependsOn, volumesFrom and mountPoints must name things in the task", () => {
  const init: ContainerDefinition = { ...web, name: "init", essential: false };
  assert.ok(normalizeRegistration(req({ containerDefinitions: [{ ...web, dependsOn: [{ containerName: "init", condition: "SUCCESS" }] }, init] })));
  rejects(req({ containerDefinitions: [{ ...web, dependsOn: [{ containerName: "ghost", condition: "START" }] }] }), "ClientException",
    "Cannot depend on container + 'ghost' because it does not exist");
  rejects(req({ containerDefinitions: [{ ...web, dependsOn: [{ containerName: "init", condition: "COMPLETE" }] }, { ...init, essential: true }] }), "ClientException",
    "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container");
  rejects(req({ containerDefinitions: [{ ...web, dependsOn: [{ containerName: "init", condition: "HEALTHY" }] }, init] }), "ClientException",
    "A dependency container with HEALTHY condition must have health check configured");
  rejects(req({ containerDefinitions: [{ ...web, dependsOn: [{ containerName: "b", condition: "START" }] }, { ...web, name: "b", dependsOn: [{ containerName: "web", condition: "START" }] }] }),
    "ClientException", "Container dependsOn contains a cycle.");
  rejects(req({ containerDefinitions: [{ ...web, volumesFrom: [{ sourceContainer: "data" }] }] }), "ClientException",
    "Invalid 'volumesFrom' setting. Unknown container: 'data'.");
  rejects(req({ containerDefinitions: [{ ...web, mountPoints: [{ sourceVolume: "logs", containerPath: "/logs" }] }] }), "ClientException", "Unknown volume 'logs'.");
  const td = normalizeRegistration(req({
    volumes: [{ name: "logs", host: { sourcePath: "/var/log" } }, { name: "cache", dockerVolumeConfiguration: { scope: "task", driver: "local" } }, { name: "scratch" }],
    containerDefinitions: [{ ...web, mountPoints: [{ sourceVolume: "logs", containerPath: "/logs", readOnly: true }, { sourceVolume: "scratch", containerPath: "/tmp/s" }] }],
  }));
  assert.equal(td.volumes?.length, 3);
  rejects(req({ volumes: [{ name: "a" }, { name: "a" }] }), "ClientException", "Volume names must be unique within a Task Definition.");
});

test("health check bounds", () => {
  rejects(req({ containerDefinitions: [{ ...web, healthCheck: { command: ["CMD", "true"], interval: 2 } }] }), "ClientException",
    "Invalid 'healthCheck' setting for container 'web'. 'interval' must be between 5 and 300.");
  const td = normalizeRegistration(req({ containerDefinitions: [{ ...web, healthCheck: { command: ["CMD-SHELL", "true"], interval: 10, timeout: 3, retries: 5, startPeriod: 20 } }] }));
  assert.deepEqual(td.containerDefinitions![0]!.healthCheck, { command: ["CMD-SHELL", "true"], interval: 10, timeout: 3, retries: 5, startPeriod: 20 });
});

test("awslogs needs its group and region", () => {
  rejects(req({ containerDefinitions: [{ ...web, logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g" } } }] }), "ClientException",
    "Log driver awslogs requires options: awslogs-region, awslogs-group");
});

test("Fargate: awsvpc, task sizes from the table, no host paths", () => {
  const td = normalizeRegistration(fargate());
  assert.deepEqual(td.compatibilities, ["EC2", "FARGATE"]);
  assert.deepEqual(td.requiresCompatibilities, ["FARGATE"]);
  assert.ok(td.requiresAttributes?.some((a) => a.name === "ecs.capability.task-eni"));
  rejects(fargate({ networkMode: undefined }), "ClientException", "Fargate only supports network mode ‘awsvpc’.");
  rejects(fargate({ networkMode: "bridge" }), "ClientException", "Fargate only supports network mode ‘awsvpc’.");
  rejects(fargate({ cpu: undefined }), "ClientException", "Fargate requires that 'cpu' be defined at the task level.");
  rejects(fargate({ memory: undefined, containerDefinitions: [web] }), "ClientException", "Fargate requires that 'memory' be defined at the task level.");
  rejects(fargate({ memory: "4096" }), "ClientException",
    "No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.");
  assert.equal(normalizeRegistration(fargate({ cpu: "4 vCPU", memory: "30 GB" })).memory, "30720");
  rejects(fargate({ volumes: [{ name: "h", host: { sourcePath: "/data" } }] }), "ClientException", "Fargate compatible task definitions do not support sourcePath");
  assert.ok(normalizeRegistration(fargate({ volumes: [{ name: "scratch" }] })));
  rejects(fargate({ containerDefinitions: [{ name: "web", image: "busybox", logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g", "awslogs-region": "us-east-1" } } }] }),
    "ClientException", "Fargate requires task definition to have execution role ARN to support log driver awslogs.");
});

test("Fargate refuses what would give a task its host's powers, and the Docker settings it does not expose", () => {
  const fc = (over: Partial<ContainerDefinition>) => fargate({ containerDefinitions: [{ name: "web", image: "busybox", ...over }] });
  const linux = (linuxParameters: ContainerDefinition["linuxParameters"]) => fc({ linuxParameters });
  const cases: Array<[RegisterTaskDefinitionRequest, string]> = [
    [fc({ privileged: true }), "Fargate compatible task definitions do not support privileged"],
    [linux({ capabilities: { add: ["SYS_ADMIN"] } }), "Fargate compatible task definitions do not support the SYS_ADMIN capability. SYS_PTRACE is the only capability that can be added."],
    [linux({ capabilities: { add: ["SYS_PTRACE", "NET_ADMIN"] } }), "Fargate compatible task definitions do not support the NET_ADMIN capability. SYS_PTRACE is the only capability that can be added."],
    [linux({ capabilities: { add: ["ALL"] } }), "Fargate compatible task definitions do not support the ALL capability. SYS_PTRACE is the only capability that can be added."],
    [linux({ devices: [{ hostPath: "/dev/kmsg" }] }), "Fargate compatible task definitions do not support devices"],
    [linux({ sharedMemorySize: 64 }), "Fargate compatible task definitions do not support sharedMemorySize"],
    [linux({ tmpfs: [{ containerPath: "/tmp", size: 64 }] }), "Fargate compatible task definitions do not support tmpfs"],
    [linux({ maxSwap: 0 }), "Fargate compatible task definitions do not support maxSwap"],
    [linux({ swappiness: 10 }), "Fargate compatible task definitions do not support swappiness"],
    [fc({ disableNetworking: true }), "Fargate compatible task definitions do not support disableNetworking"],
    [fc({ dnsServers: ["10.0.0.2"] }), "Fargate compatible task definitions do not support dnsServers"],
    [fc({ dnsSearchDomains: ["example.com"] }), "Fargate compatible task definitions do not support dnsSearchDomains"],
    [fc({ dockerSecurityOptions: ["seccomp=unconfined"] }), "Fargate compatible task definitions do not support dockerSecurityOptions"],
    [fc({ extraHosts: [{ hostname: "db", ipAddress: "10.0.0.3" }] }), "Fargate compatible task definitions do not support extraHosts"],
    [fc({ resourceRequirements: [{ type: "GPU", value: "1" }] }), "Tasks using the Fargate launch type do not support GPU resource requirements."],
    [fargate({ ipcMode: "host" }), "Tasks using the Fargate launch type do not support ipcMode."],
    [fargate({ ipcMode: "task" }), "Tasks using the Fargate launch type do not support ipcMode."],
    [fargate({ pidMode: "host" }), "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."],
    [fargate({ placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }] }), "Fargate compatible task definitions do not support constraints"],
    [fargate({ volumes: [{ name: "d", dockerVolumeConfiguration: { scope: "task" } }] }), "Fargate compatible task definitions do not support dockerVolumeConfiguration"],
    [fargate({ networkMode: "host" }), "Fargate only supports network mode ‘awsvpc’."],
    [fargate({ networkMode: "none" }), "Fargate only supports network mode ‘awsvpc’."],
  ];
  for (const [input, message] of cases) {
    rejects(input, "ClientException", message);
    // Without FARGATE asked for, the same definition registers, for EC2 only.
    const ec2 = normalizeRegistration({ ...input, requiresCompatibilities: undefined, containerDefinitions: input.containerDefinitions!.map((c) => ({ ...c, memory: 128 })) });
    assert.equal(ec2.compatibilities?.includes("FARGATE"), false, message);
  }
  // What Fargate allows: SYS_PTRACE (with or without CAP_), dropping capabilities, init, ulimits, pidMode task, false flags.
  for (const ok of [
    linux({ capabilities: { add: ["SYS_PTRACE"], drop: ["ALL"] }, initProcessEnabled: true }),
    linux({ capabilities: { add: ["CAP_SYS_PTRACE"] } }),
    fc({ ulimits: [{ name: "nofile", softLimit: 1024, hardLimit: 4096 }], privileged: false, dnsServers: [], systemControls: [{ namespace: "net.core.somaxconn", value: "1024" }] }),
    fargate({ pidMode: "task" }),
  ]) {
    assert.deepEqual(normalizeRegistration(ok).compatibilities, ["EC2", "FARGATE"]);
  }
});

test("compatibilities list FARGATE only when the definition fits Fargate", () => {
  assert.deepEqual(normalizeRegistration(req({ networkMode: "awsvpc", cpu: "512", memory: "1024" })).compatibilities, ["EC2", "FARGATE"]);
  assert.deepEqual(normalizeRegistration(req({ networkMode: "awsvpc" })).compatibilities, ["EC2"]);
  assert.deepEqual(normalizeRegistration(req({ networkMode: "awsvpc", cpu: "512", memory: "512" })).compatibilities, ["EC2"]);
  assert.deepEqual(normalizeRegistration(req({ networkMode: "host" })).compatibilities, ["EXTERNAL", "EC2"]);
});

test("requiresAttributes follow the features used", () => {
  const td = normalizeRegistration(req({
    taskRoleArn: "arn:aws:iam::000000000000:role/app",
    executionRoleArn: "arn:aws:iam::000000000000:role/exec",
    containerDefinitions: [{
      ...web,
      image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
      healthCheck: { command: ["CMD", "true"] },
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g", "awslogs-region": "us-east-1" } },
      secrets: [{ name: "A", valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/a" }],
    }],
  }));
  const names = td.requiresAttributes!.map((a) => a.name).sort();
  assert.deepEqual(names, [
    "com.amazonaws.ecs.capability.docker-remote-api.1.19",
    "com.amazonaws.ecs.capability.ecr-auth",
    "com.amazonaws.ecs.capability.logging-driver.awslogs",
    "com.amazonaws.ecs.capability.task-iam-role",
    "ecs.capability.container-health-check",
    "ecs.capability.execution-role-awslogs",
    "ecs.capability.execution-role-ecr-pull",
    "ecs.capability.secrets.ssm.environment-variables",
  ]);
  assert.deepEqual(normalizeRegistration(req()).requiresAttributes, []);
});

test("the whole container definition is kept", () => {
  const full: ContainerDefinition = {
    name: "web", image: "busybox:1", cpu: 128, memory: 256, memoryReservation: 128, essential: true,
    entryPoint: ["/bin/sh", "-c"], command: ["echo hi"], environment: [{ name: "A", value: "1" }],
    workingDirectory: "/srv", user: "1000:1000", readonlyRootFilesystem: true,
    ulimits: [{ name: "nofile", softLimit: 1024, hardLimit: 2048 }], startTimeout: 30, stopTimeout: 10,
    dockerLabels: { team: "core" }, environmentFiles: [{ type: "s3", value: "arn:aws:s3:::b/k.env" }],
    secrets: [{ name: "S", valueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:s" }],
  };
  const c = normalizeRegistration(req({ containerDefinitions: [full], executionRoleArn: "arn:aws:iam::000000000000:role/exec" })).containerDefinitions![0]!;
  for (const [k, v] of Object.entries(full)) assert.deepEqual(c[k as keyof ContainerDefinition], v, k);
});

test("an environment variable needs a name; any other name and every value are ECS's to accept", () => {
  for (const environment of [[{ value: "v" }], [{ name: "", value: "v" }], [{ name: "  ", value: "v" }], [{ name: "A", value: "1" }, { name: "", value: "2" }]]) {
    rejects(req({ containerDefinitions: [{ ...web, environment }] }), "ClientException", "Environment variable name cannot be null or blank.");
  }
  const td = normalizeRegistration(req({ containerDefinitions: [{ ...web, environment: [{ name: "a b.c", value: "" }, { name: "X", value: "x=y" }] }] }));
  assert.equal(td.containerDefinitions![0]!.environment!.length, 2);
});

test("secrets without an executionRoleArn are refused, as ECS refuses them", () => {
  rejects(req({ containerDefinitions: [{ ...web, secrets: [{ name: "T", valueFrom: "/prod/token" }] }] }), "ClientException",
    "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.");
});

test("secrets, registry credentials and environment files register (they fail at launch instead)", () => {
  const td = normalizeRegistration(req({
    executionRoleArn: "arn:aws:iam::000000000000:role/exec",
    containerDefinitions: [{
      ...web,
      secrets: [{ name: "DB", valueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf" }, { name: "T", valueFrom: "/prod/token" }],
      repositoryCredentials: { credentialsParameter: "arn:aws:secretsmanager:us-east-1:000000000000:secret:reg-AbCdEf" },
      environmentFiles: [{ type: "s3", value: "arn:aws:s3:::bucket/app.env" }],
    }],
  }));
  assert.equal(td.containerDefinitions![0]!.secrets!.length, 2);
  const names = td.requiresAttributes!.map((a) => a.name);
  assert.ok(names.includes("ecs.capability.secrets.asm.environment-variables") && names.includes("ecs.capability.secrets.ssm.environment-variables"));
});
