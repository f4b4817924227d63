import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterIndex } from "../cluster-index.js";
import { compileRequest } from "../request.js";
import { PlacementState } from "../state.js";
import { cluster, instance, request, task } from "../testing/fixtures.js";
import type { InstanceSnapshot, PlacementRequest } from "../types.js";
import { agentChecker } from "./agent.js";
import type { Checker } from "./checker.js";
import { cpuChecker } from "./cpu.js";
import { distinctInstanceChecker } from "./distinct-instance.js";
import { launchTypeChecker } from "./launch-type.js";
import { memoryChecker } from "./memory.js";
import { dynamicMemberOfChecker, staticMemberOfChecker } from "./member-of.js";
import { tcpPortsChecker, udpPortsChecker } from "./ports.js";
import { Feasibility, FEASIBILITY_STACK } from "./stack.js";
import { statusChecker } from "./status.js";

function setup(instances: InstanceSnapshot[], req: Partial<PlacementRequest>) {
  const compiled = compileRequest(request(req));
  assert.ok(compiled.ok, compiled.ok ? "" : compiled.error.message);
  const index = new ClusterIndex(cluster(...instances));
  const state = new PlacementState(index, compiled.request.group);
  return { ctx: { index, state, request: compiled.request }, state, request: compiled.request };
}

/** The checker's verdict for each instance; "n/a" when the request does not need the check. */
function verdicts(checker: Checker, instances: InstanceSnapshot[], req: Partial<PlacementRequest> = {}) {
  const { ctx } = setup(instances, req);
  const check = checker.prepare(ctx);
  return check ? instances.map((_, i) => check(i) ?? "ok") : "n/a";
}

test("status: only ACTIVE instances take tasks; others report their status", () => {
  const xs = (["ACTIVE", "DRAINING", "INACTIVE", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"] as const).map((status, i) => instance(`i${i}`, { status }));
  assert.deepEqual(verdicts(statusChecker, xs), ["ok", "DRAINING", "INACTIVE", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"]);
});

test("agent: a disconnected agent is AGENT", () => {
  assert.deepEqual(verdicts(agentChecker, [instance("a"), instance("b", { agentConnected: false })]), ["ok", "AGENT"]);
});

test("launch type: EC2 tasks on EC2 instances, EXTERNAL on EXTERNAL; a mismatch is ATTRIBUTE", () => {
  const xs = [instance("ec2"), instance("ext", { launchType: "EXTERNAL" })];
  assert.deepEqual(verdicts(launchTypeChecker, xs), ["ok", "ATTRIBUTE"]);
  assert.deepEqual(verdicts(launchTypeChecker, xs, { launchType: "EXTERNAL" }), ["ATTRIBUTE", "ok"]);
});

test("cpu and memory: the task must fit what remains, exactly fitting counts", () => {
  const xs = [instance("a", { cpu: 256, memory: 512 }), instance("b", { cpu: 255, memory: 511 })];
  assert.deepEqual(verdicts(cpuChecker, xs, { cpu: 256 }), ["ok", "RESOURCE:CPU"]);
  assert.deepEqual(verdicts(memoryChecker, xs, { memory: 512 }), ["ok", "RESOURCE:MEMORY"]);
  assert.equal(verdicts(cpuChecker, xs, { cpu: 0 }), "n/a", "a task that reserves no cpu needs no cpu check");
});

test("cpu and memory read the plan's state, so earlier placements count", () => {
  const { ctx, state, request: req } = setup([instance("a", { memory: 1024 })], { memory: 512 });
  const check = memoryChecker.prepare(ctx)!;
  assert.equal(check(0), undefined);
  state.place(0, req.cpu, req.memory, req.ports);
  assert.equal(check(0), undefined);
  state.place(0, req.cpu, req.memory, req.ports);
  assert.equal(check(0), "RESOURCE:MEMORY");
});

test("tcp ports: static ports must be free", () => {
  const xs = [instance("a", { ports: [22] }), instance("b", { ports: [22, 80] })];
  assert.deepEqual(verdicts(tcpPortsChecker, xs, { ports: [{ hostPort: 80 }] }), ["ok", "RESOURCE:PORTS"]);
  assert.equal(verdicts(tcpPortsChecker, xs), "n/a");
  assert.equal(verdicts(tcpPortsChecker, xs, { ports: [{ protocol: "udp", hostPort: 80 }] }), "n/a", "a udp port needs no tcp check");
});

test("udp ports are separate from tcp ports and report PORTS_UDP", () => {
  const xs = [instance("a", { ports: [53] }), instance("b", { portsUdp: [53] })];
  assert.deepEqual(verdicts(udpPortsChecker, xs, { ports: [{ protocol: "udp", hostPort: 53 }] }), ["ok", "RESOURCE:PORTS_UDP"]);
});

test("dynamic ports: the range must hold one free port per dynamic mapping, after static ports inside it", () => {
  const range = { from: 50000, to: 50002 };
  const xs = [instance("a", { dynamicPortRange: range }), instance("b", { dynamicPortRange: range, ports: [50000, 50001] })];
  assert.deepEqual(verdicts(tcpPortsChecker, xs, { ports: [{ hostPort: 0 }, { hostPort: 0 }] }), ["ok", "RESOURCE:PORTS"]);
  assert.deepEqual(verdicts(tcpPortsChecker, xs, { ports: [{}] }), ["ok", "ok"]);
  // 50002 is free on b but the task takes it statically, leaving nothing for the dynamic mapping.
  assert.deepEqual(verdicts(tcpPortsChecker, xs, { ports: [{ hostPort: 50002 }, { hostPort: 0 }] }), ["ok", "RESOURCE:PORTS"]);
});

test("distinctInstance: not on an instance running a task of the group, nor one this plan used", () => {
  const xs = [instance("a"), instance("b", { tasks: [task("t1", "service:web")] }), instance("c", { tasks: [task("t2", "service:api")] })];
  assert.deepEqual(verdicts(distinctInstanceChecker, xs, { constraints: [{ type: "distinctInstance" }] }), ["ok", "ATTRIBUTE", "ok"]);
  assert.equal(verdicts(distinctInstanceChecker, xs), "n/a");
  const { ctx, state, request: req } = setup(xs, { constraints: [{ type: "distinctInstance" }] });
  const check = distinctInstanceChecker.prepare(ctx)!;
  state.place(0, req.cpu, req.memory, req.ports);
  assert.equal(check(0), "ATTRIBUTE");
});

test("memberOf on attributes is static and memoised per index; a failure is ATTRIBUTE", () => {
  const xs = [instance("a", { type: "t3.large" }), instance("b", { type: "m5.large" }), instance("c", { type: "t3a.large" })];
  const memberOf = { constraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }] };
  assert.deepEqual(verdicts(staticMemberOfChecker, xs, memberOf), ["ok", "ATTRIBUTE", "ok"]);
  assert.equal(verdicts(dynamicMemberOfChecker, xs, memberOf), "n/a", "nothing placement changes is read");
  const { ctx } = setup(xs, memberOf);
  staticMemberOfChecker.prepare(ctx);
  let evaluated = 0;
  ctx.index.memoize("memberOf:attribute:ecs.instance-type =~ 't3.*'", () => evaluated++);
  assert.equal(evaluated, 0, "the verdicts were stored under the expression's canonical text");
});

test("memberOf on task:group and runningTasksCount sees this plan's placements", () => {
  const xs = [instance("a"), instance("b", { tasks: [task("t1", "database")] })];
  const affinity = { constraints: [{ type: "memberOf", expression: "task:group == database" }] };
  assert.deepEqual(verdicts(dynamicMemberOfChecker, xs, affinity), ["ATTRIBUTE", "ok"]);
  const { ctx, state, request: req } = setup(xs, { constraints: [{ type: "memberOf", expression: "runningTasksCount < 1" }] });
  const check = dynamicMemberOfChecker.prepare(ctx)!;
  assert.equal(check(0), undefined);
  state.place(0, req.cpu, req.memory, req.ports);
  assert.equal(check(0), "ATTRIBUTE", "the task placed a moment ago counts");
  const self = setup(xs, { group: "service:web", constraints: [{ type: "memberOf", expression: "not(task:group == service:web)" }] });
  const antiSelf = dynamicMemberOfChecker.prepare(self.ctx)!;
  self.state.place(1, 0, 0, []);
  assert.equal(antiSelf(1), "ATTRIBUTE");
});

test("the stack reports the first failing check in its documented order", () => {
  assert.deepEqual(
    FEASIBILITY_STACK.map((c) => c.name),
    ["status", "agent", "launchType", "cpu", "memory", "ports/tcp", "ports/udp", "distinctInstance", "memberOf", "memberOf(placement-dependent)"],
  );
  const xs = [
    instance("drain-and-small", { status: "DRAINING", cpu: 1, memory: 1 }),
    instance("gone-agent-small", { agentConnected: false, cpu: 1 }),
    instance("small-both", { cpu: 1, memory: 1 }),
    instance("memory-and-port", { memory: 1, ports: [80] }),
    instance("port-and-type", { ports: [80], type: "m5.large" }),
    instance("type-only", { type: "m5.large" }),
    instance("fits"),
  ];
  const { ctx } = setup(xs, { ports: [{ hostPort: 80 }], constraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }] });
  const f = new Feasibility(ctx);
  assert.deepEqual(
    xs.map((_, i) => f.explain(i) ?? "ok"),
    ["DRAINING", "AGENT", "RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS", "ATTRIBUTE", "ok"],
  );
  assert.deepEqual([...f.eligible], [2, 3, 6], "static checks (status, agent, launch type, memberOf) settle eligibility up front");
});
