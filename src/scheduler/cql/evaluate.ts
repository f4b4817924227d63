import type { CqlNode, Literal, Subject } from "./ast.js";
import type { CqlTarget } from "./target.js";
import { compareText, compareVersions } from "./values.js";

/**
 * Evaluates an expression against one instance.
 *
 * A predicate holds when some value of the subject satisfies it. Most subjects have at most one
 * value; task:group has one per distinct group on the instance. So a missing attribute satisfies
 * no comparison — `attribute:stack != prod` selects instances that have a stack attribute other
 * than prod, as ECS's guide describes — and `task:group != database` means "runs a task of some
 * other group"; anti-affinity is `not(task:group == database)`, which is how ECS writes it.
 */
export function evaluateCql(node: CqlNode, t: CqlTarget): boolean {
  switch (node.kind) {
    case "or":
      return evaluateCql(node.left, t) || evaluateCql(node.right, t);
    case "and":
      return evaluateCql(node.left, t) && evaluateCql(node.right, t);
    case "not":
      return !evaluateCql(node.operand, t);
    case "exists":
      return exists(node.subject, t) !== node.negated;
    default:
      // Single-valued subjects take the allocation-free path: an index evaluates a constraint
      // once per instance, thousands at a time.
      if (node.subject.kind !== "taskGroup") {
        const v = single(node.subject, t);
        return v !== undefined && predicate(node, v);
      }
      for (const g of t.taskGroups()) if (predicate(node, g)) return true;
      return false;
  }
}

/** One value against an in / match / compare node. */
function predicate(node: CqlNode & { kind: "in" | "match" | "compare" }, v: string | number): boolean {
  switch (node.kind) {
    case "in":
      return node.values.includes(String(v)) !== node.negated;
    case "match":
      return node.regex.test(String(v)) !== node.negated;
    case "compare":
      return holds(node.op, compare(node.subject, v, node.value));
  }
}

function exists(subject: Subject, t: CqlTarget): boolean {
  if (subject.kind === "attribute") return t.attribute(subject.name) !== undefined;
  if (subject.kind === "taskGroup") {
    for (const _ of t.taskGroups()) return true;
    return false;
  }
  return single(subject, t) !== undefined;
}

/** The value of a single-valued subject on this instance, or undefined when it has none. */
function single(subject: Exclude<Subject, { kind: "taskGroup" }>, t: CqlTarget): string | number | undefined {
  switch (subject.kind) {
    case "attribute":
      return t.attribute(subject.name) ?? undefined; // present without a value: nothing to compare
    case "agentConnected":
      return String(t.agentConnected);
    case "agentVersion":
      return t.agentVersion;
    case "ec2InstanceId":
      return t.ec2InstanceId;
    case "registeredAt":
      return t.registeredAt;
    case "runningTasksCount":
      return t.runningTasksCount;
  }
}

function compare(subject: Subject, v: string | number, lit: Literal): number {
  // Numeric subjects always carry a typed literal: the parser refuses anything else.
  if (typeof v === "number") return Math.sign(v - lit.number!);
  if (subject.kind === "agentVersion") return compareVersions(v, lit.text);
  if (lit.number !== undefined && subject.kind === "attribute") {
    const n = Number(v);
    if (v.trim() !== "" && Number.isFinite(n)) return Math.sign(n - lit.number);
  }
  return compareText(v, lit.text);
}

function holds(op: string, c: number): boolean {
  switch (op) {
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    case "<":
      return c < 0;
    default:
      return c <= 0;
  }
}
