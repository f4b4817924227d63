import { test } from "node:test";
import assert from "node:assert/strict";
import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { capacityOf, remainingOf, reservationOf, resourcesOf, shortfall, AGENT_RESERVED_PORTS } from "./instance-resources.js";

const def = (containerDefinitions: TaskDefinition["containerDefinitions"], extra: Partial<TaskDefinition> = {}): TaskDefinition => ({ family: "f", containerDefinitions, ...extra });
const task = (containers: Task["containers"], extra: Partial<Task> = {}): Task => ({ containers, ...extra });

test("resources have ECS's wire form and read back", () => {
  const c = { cpu: 2048, memory: 3955, ports: AGENT_RESERVED_PORTS, portsUdp: [] };
  const wire = resourcesOf(c);
  assert.deepEqual(wire[0], { name: "CPU", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: 2048 });
  assert.deepEqual(wire[2], { name: "PORTS", type: "STRINGSET", doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: ["22", "2375", "2376", "51678", "51679"] });
  assert.deepEqual(wire.map((r) => r.name), ["CPU", "MEMORY", "PORTS", "PORTS_UDP"]);
  assert.deepEqual(capacityOf(wire), c);
  assert.deepEqual(capacityOf([]), { cpu: 0, memory: 0, ports: [], portsUdp: [] });
});

test("a task reserves its task-level size, else the sum of its containers (memoryReservation before memory)", () => {
  const containers = [{ name: "a", cpu: "256", memory: "300", memoryReservation: "100" }, { name: "b", cpu: "0", memory: "50" }];
  assert.deepEqual(reservationOf(task(containers), def([]), "bridge"), { cpu: 256, memory: 150, ports: [], portsUdp: [] });
  assert.deepEqual(reservationOf(task(containers, { cpu: "1 vCPU", memory: "1 GB" }), def([]), "bridge"), { cpu: 1024, memory: 1024, ports: [], portsUdp: [] });
  // Without the task's containers (a task not built yet), the definition's are read.
  assert.deepEqual(reservationOf(task([]), def([{ name: "a", cpu: 10, memory: 20 }]), "bridge"), { cpu: 10, memory: 20, ports: [], portsUdp: [] });
});

test("static host ports: bridge hostPort when not 0, host mode the container's port, awsvpc none", () => {
  const d = def([{
    name: "a",
    portMappings: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 0 }, { containerPort: 53, hostPort: 5353, protocol: "udp" }, { containerPort: 90 }],
  }]);
  assert.deepEqual(reservationOf(task([]), d, "bridge"), { cpu: 0, memory: 0, ports: [8080], portsUdp: [5353] });
  assert.deepEqual(reservationOf(task([]), d, "host"), { cpu: 0, memory: 0, ports: [8080, 81, 90], portsUdp: [5353] });
  assert.deepEqual(reservationOf(task([]), d, "awsvpc"), { cpu: 0, memory: 0, ports: [], portsUdp: [] });
});

test("remaining is registered minus reservations; shortfall names the first resource that is short", () => {
  const registered = { cpu: 1024, memory: 512, ports: [22, 2375], portsUdp: [] };
  const r = { cpu: 256, memory: 200, ports: [80], portsUdp: [53] };
  const left = remainingOf(registered, [r, { ...r, ports: [443, 80] }]);
  assert.deepEqual(left, { cpu: 512, memory: 112, ports: [22, 2375, 80, 443], portsUdp: [53] });
  assert.equal(shortfall(left, { cpu: 512, memory: 112, ports: [8080], portsUdp: [] }), undefined);
  assert.equal(shortfall(left, { cpu: 513, memory: 999, ports: [80], portsUdp: [] }), "RESOURCE:CPU");
  assert.equal(shortfall(left, { cpu: 0, memory: 113, ports: [80], portsUdp: [] }), "RESOURCE:MEMORY");
  assert.equal(shortfall(left, { cpu: 0, memory: 0, ports: [2375], portsUdp: [] }), "RESOURCE:PORTS");
  assert.equal(shortfall(left, { cpu: 0, memory: 0, ports: [], portsUdp: [53] }), "RESOURCE:PORTS_UDP");
});
